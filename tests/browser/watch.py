"""What a browser test watches besides what it clicks: console errors, uncaught exceptions and
failed requests (``ConsoleWatch``), and accessibility with axe-core (``axe_violations``)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

SERIOUS = ("serious", "critical")
"""The axe-core impacts a page may not have."""


@dataclass
class Allowed:
    """A failure the test causes on purpose (the user did it): a response with this status
    whose URL matches ``url``, and the console line the browser logs for it."""

    url: re.Pattern
    status: int


@dataclass
class ConsoleWatch:
    """Everything that went wrong in a browser context that the user did not cause: console
    errors, uncaught exceptions, requests that failed or got an HTTP error. Attach it before
    opening pages (``ConsoleWatch.attach(context)``); ``problems`` lists what it saw, and
    ``with watch.allow(r"/join$", 409):`` accepts a failure the test provokes."""

    problems: list[str] = field(default_factory=list)
    allowed: list[Allowed] = field(default_factory=list)

    @classmethod
    def attach(cls, context) -> ConsoleWatch:
        watch = cls()
        context.on("console", watch._on_console)
        context.on("weberror", lambda error: watch.problems.append(f"uncaught: {error.error}"))
        context.on("requestfailed", watch._on_request_failed)
        context.on("response", watch._on_response)
        return watch

    @contextlib.contextmanager
    def allow(self, url: str, status: int):
        """Within the block, a ``status`` answer to a URL matching ``url`` is expected."""
        allowed = Allowed(re.compile(url), status)
        self.allowed.append(allowed)
        try:
            yield
        finally:
            self.allowed.remove(allowed)

    def _is_allowed(self, url: str, status: int | None = None) -> bool:
        return any(
            a.url.search(url) and (status is None or a.status == status) for a in self.allowed
        )

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and self._is_allowed(url):
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def _on_request_failed(self, request) -> None:
        failure = request.failure or ""
        # a websocket or a long poll cut by closing or reloading the page: the user did that
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def _on_response(self, response) -> None:
        if response.status >= 400 and not self._is_allowed(response.url, response.status):
            method = response.request.method
            self.problems.append(f"HTTP {response.status}: {method} {response.url}")

    def take(self) -> list[str]:
        """The problems seen so far, forgotten once taken."""
        problems, self.problems = self.problems, []
        return problems


async def axe_violations(page, selector: str) -> list[str]:
    """The serious and critical axe-core violations inside the element at ``selector``, one
    line each (rule, impact, the elements, how to fix); [] when there is none.

    axe-core comes from the ``axe-playwright-python`` package (the ``test`` extra)."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE_SCRIPT)
    results = await page.evaluate(
        """async (selector) => {
            const results = await window.axe.run(selector, { resultTypes: ['violations'] });
            return results.violations;
        }""",
        selector,
    )
    lines = []
    for violation in results:
        if violation["impact"] not in SERIOUS:
            continue
        for node in violation["nodes"]:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {' '.join(node['target'])}: "
                f"{node.get('failureSummary', '').replace(chr(10), ' ')} "
                f"[{node.get('html', '')[:160]}]"
            )
    return lines
