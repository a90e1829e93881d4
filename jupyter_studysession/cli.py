"""``jupyter studysession``: database upgrades, cleanup (for cron) and demo data.

The commands read the same configuration files as the server (``jupyter_server_config.*``),
so ``c.StudySessionApp.db_url`` set there applies here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

from jupyter_core.application import JupyterApp
from traitlets import Bool, Int, Unicode

from . import __version__
from .app import Services, StudySessionApp
from .clock import Clock, FrozenClock
from .store import redact_url


class _Command(JupyterApp):
    """A subcommand that builds the extension's services from the server's configuration."""

    version = __version__
    config_file_name = "jupyter_server_config"
    classes = [StudySessionApp]

    db_url = Unicode("", config=True, help="Database URL (overrides StudySessionApp.db_url).")
    aliases = {"db-url": "_Command.db_url", "log-level": "Application.log_level"}

    def studysession_app(self) -> StudySessionApp:
        app = StudySessionApp(config=self.config, log=self.log)
        if self.db_url:
            app.db_url = self.db_url
        return app

    @contextlib.asynccontextmanager
    async def services(
        self, *, clock: Clock | None = None, ready: bool = True
    ) -> AsyncIterator[Services]:
        """The extension's services, closed when the block ends (with a Redis ``bus_url``,
        that includes the bus's and presence's Redis connections). With ``ready``, the bus is
        started and the database checked, as when the server starts, so the live events of
        what the command changes reach the tabs of running servers."""
        app = self.studysession_app()
        if clock is not None:
            app.clock = clock
        services = app.build_services()
        try:
            if ready:
                await services.bus.start()
                await services.store.open()
            yield services
        finally:
            await services.close()

    def start(self):
        # each subcommand defines ``async def run(self) -> int`` (the exit status)
        sys.exit(asyncio.run(self.run()))


class UpgradeCommand(_Command):
    name = "jupyter-studysession-db-upgrade"
    description = "Create the database, or upgrade it to this version's schema (Alembic)."
    aliases = {**_Command.aliases, "db-url": "UpgradeCommand.db_url"}

    async def run(self) -> int:
        async with self.services(ready=False) as services:
            store = services.store
            before = await store.current_revision()
            await store.upgrade()
            after = await store.current_revision()
        self.log.info("Database %s: %s -> %s", redact_url(store.url), before or "empty", after)
        return 0


class DbCommand(JupyterApp):
    name = "jupyter-studysession-db"
    description = "Manage the study-session database."
    subcommands = {"upgrade": (UpgradeCommand, UpgradeCommand.description)}

    def start(self):
        if self.subapp is None:
            self.print_subcommands()
            self.exit(1)
        return self.subapp.start()


class CleanupCommand(_Command):
    name = "jupyter-studysession-cleanup"
    description = "Delete abandoned scheduled sessions and end overdue active ones (for cron)."
    aliases = {**_Command.aliases, "db-url": "CleanupCommand.db_url"}

    async def run(self) -> int:
        async with self.services() as services:
            result = await services.sessions.cleanup()
        print(json.dumps(result.model_dump()))
        return 1 if result.failed else 0


class DemoDataCommand(_Command):
    name = "jupyter-studysession-demo-data"
    description = """Create demo data through the managers: a few named users' sessions, or
    with --students a whole course (--weeks, --seed, --start) and its --ground-truth."""
    aliases = {
        **_Command.aliases,
        "db-url": "DemoDataCommand.db_url",
        "students": "DemoDataCommand.students",
        "weeks": "DemoDataCommand.weeks",
        "seed": "DemoDataCommand.seed",
        "start": "DemoDataCommand.first_day",
        "ground-truth": "DemoDataCommand.ground_truth",
    }
    reset = Bool(False, config=True, help="Skip if the database already has sessions unless set.")
    flags = {"reset": ({"DemoDataCommand": {"reset": True}}, "Add demo data even if present.")}
    students = Int(
        0, min=0, config=True, help="Create a course of this many students (0: the small demo)."
    )
    weeks = Int(6, min=1, config=True, help="How many weeks the course lasts.")
    seed = Int(1, config=True, help="The course's random seed: the same seed, the same course.")
    first_day = Unicode(
        "",
        config=True,
        help="""The course's first day, a Monday (YYYY-MM-DD). Default: the Monday WEEKS
        weeks before this week's, so that the course has just ended.""",
    )
    ground_truth = Unicode(
        "", config=True, help="Write the course's ground truth (JSON) to this file."
    )

    async def run(self) -> int:
        if self.students:
            return await self.create_course()
        if self.ground_truth:
            self.log.error("--ground-truth needs a course: give --students")
            return 2
        from .demo import create_demo_data

        async with self.services(clock=FrozenClock()) as services:
            created = await create_demo_data(services, force=self.reset)
        self.log.info("Demo data: %s", created or "already present (use --reset to add more)")
        return 0

    async def create_course(self) -> int:
        from .demo import has_sessions
        from .demo_course import create_demo_course, default_start, ground_truth, plan_course

        try:
            first = date.fromisoformat(self.first_day) if self.first_day else None
        except ValueError:
            self.log.error("--start: %r is not a date (YYYY-MM-DD)", self.first_day)
            return 2
        async with self.services(clock=FrozenClock()) as services:
            if not self.reset and await has_sessions(services):
                self.log.info("Demo data: already present (use --reset to add more)")
                return 0
            try:
                plan = plan_course(
                    self.students,
                    self.weeks,
                    self.seed,
                    first or default_start(services.clock.now(), self.weeks),
                    grace=services.presence.attendance.grace,
                )
            except ValueError as err:
                self.log.error("Demo course: %s", err)
                return 2
            began = time.monotonic()
            created = await create_demo_course(services, plan, self.log)
        self.log.info("Demo course: %s in %.0f s", created, time.monotonic() - began)
        if self.ground_truth:
            path = Path(self.ground_truth)
            text = json.dumps(ground_truth(plan), indent=1) + "\n"
            await asyncio.to_thread(path.write_text, text)
            self.log.info("Demo course: ground truth in %s", path)
        return 0


class StudySessionCommand(JupyterApp):
    name = "jupyter-studysession"
    version = __version__
    description = "Manage jupyter-studysession: database, cleanup, demo data."
    subcommands = {
        "db": (DbCommand, DbCommand.description),
        "cleanup": (CleanupCommand, CleanupCommand.description),
        "demo-data": (DemoDataCommand, DemoDataCommand.description),
    }

    def start(self):
        if self.subapp is None:
            self.print_subcommands()
            self.exit(1)
        return self.subapp.start()


main = StudySessionCommand.launch_instance

if __name__ == "__main__":
    main()
