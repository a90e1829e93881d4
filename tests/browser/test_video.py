"""The room's call in JupyterLab, as three people see it: Chromium with its fake camera and
microphone, one browser context per person, the server's aiortc media worker in between.

Chromium needs ``--allow-loopback-in-peer-connection`` to reach a media server on 127.0.0.1 (the
page is served from 127.0.0.1 too), and plays the others' audio in an element, so its
``getStats`` reports their level."""

from __future__ import annotations

import pytest
from conftest import CHROMIUM_ARGS
from lab_pages import open_lab, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

WAIT = 60_000
MEDIA_ARGS = [
    "--allow-loopback-in-peer-connection",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen",
]
LOOPBACK_MEDIA = 'c.AiortcMediaBackend.ice_addresses = ["127.0.0.1"]\n'


@pytest.fixture
def media_lab(ss_server_process, ss_sqlite_url, jp_asyncio_loop):
    """JupyterLab whose media worker offers loopback candidates only."""
    server = ss_server_process("lab", ss_sqlite_url, app="jupyterlab", config=LOOPBACK_MEDIA)
    jp_asyncio_loop.run_until_complete(server.wait_ready())
    return server


@pytest.fixture
def media_browser(chromium_path, jp_asyncio_loop):
    """Headless Chromium with a fake camera, microphone and screen, allowed on loopback."""
    from playwright.async_api import async_playwright

    playwright = jp_asyncio_loop.run_until_complete(async_playwright().start())
    browser = jp_asyncio_loop.run_until_complete(
        playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS + MEDIA_ARGS)
    )
    yield browser
    jp_asyncio_loop.run_until_complete(browser.close())
    jp_asyncio_loop.run_until_complete(playwright.stop())


def tile(page, username: str):
    return page.get_by_test_id("studysession-tile").and_(
        page.locator(f'[data-username="{username}"]')
    )


async def video_progress(locator) -> tuple[int, float]:
    """``(width, currentTime)`` of the video element in ``locator``."""
    return await locator.locator("video").evaluate("v => [v.videoWidth, v.currentTime]")


async def plays(page, locator) -> None:
    """The video in ``locator`` has a picture and its frames advance."""
    await locator.locator("video").wait_for(timeout=WAIT)
    await page.wait_for_function(
        "v => v.videoWidth > 0 && v.currentTime > 0.5",
        arg=await locator.locator("video").element_handle(),
        timeout=WAIT,
    )
    width, first = await video_progress(locator)
    await page.wait_for_timeout(1000)
    assert (await video_progress(locator))[1] > first
    assert width > 0


async def test_three_people_see_and_hear_each_other_and_a_shared_screen_shows_large(
    media_browser, media_lab
):
    from playwright.async_api import expect

    status, session = await media_lab.fetch(
        "alice",
        "sessions",
        "POST",
        {
            "title": "Video study group",
            "invite": ["bob", "carol"],
            "settings": {"tools": ["chat", "video", "screen_share"]},
        },
    )
    assert status == 201, session
    room = session["id"]
    for user in ("bob", "carol"):
        assert (await media_lab.fetch(user, f"sessions/{room}/join", "POST"))[0] == 200
    assert (await media_lab.fetch("alice", f"sessions/{room}/start", "POST"))[0] == 200

    people = ("alice", "bob", "carol")
    pages = {}
    for user in people:
        pages[user] = await open_lab(
            media_browser, media_lab, user, f"/lab?studysession-session={room}", height=900
        )
        await pages[user].get_by_test_id("studysession-call-join").click(timeout=WAIT)
    for user, page in pages.items():
        for other in people:
            if other != user:
                await plays(page, tile(page, other))
                await expect(tile(page, other)).not_to_have_attribute(
                    "data-level", "0.000", timeout=WAIT
                )  # getStats reports their voice
        await expect(page.get_by_test_id("studysession-in-call")).to_have_count(3)

    bob = pages["bob"]
    await bob.get_by_test_id("studysession-call-mic").click()
    await bob.get_by_test_id("studysession-call-camera").click()
    for user in ("alice", "carol"):
        await expect(tile(pages[user], "bob")).to_have_attribute("data-audio", "false")
        await expect(tile(pages[user], "bob")).to_have_attribute("data-video", "false")
    await bob.get_by_test_id("studysession-call-camera").click()
    await plays(pages["alice"], tile(pages["alice"], "bob"))

    await pages["carol"].get_by_test_id("studysession-call-screen").click()
    for user in ("alice", "bob"):
        stage = pages[user].get_by_test_id("studysession-screen-share")
        await expect(stage).to_have_attribute("data-username", "carol", timeout=WAIT)
        await plays(pages[user], stage)
        large = (await stage.bounding_box())["width"]
        small = (await tile(pages[user], "carol").bounding_box())["width"]
        assert large > 2 * small
    await screenshot(pages["alice"], "video-call")

    await pages["alice"].get_by_text("Stop their share").click()
    await expect(pages["bob"].get_by_test_id("studysession-screen-share")).to_have_count(
        0, timeout=WAIT
    )
    await expect(pages["carol"].get_by_test_id("studysession-video-notice")).to_contain_text(
        "stopped your screen share"
    )


async def test_without_camera_or_microphone_one_still_listens_and_chats(browser, media_lab):
    """No fake devices and no permission prompt: the browser refuses the devices."""
    from playwright.async_api import expect

    status, session = await media_lab.fetch(
        "alice",
        "sessions",
        "POST",
        {"title": "No devices", "settings": {"tools": ["chat", "video"]}},
    )
    assert status == 201, session
    room = session["id"]
    assert (await media_lab.fetch("alice", f"sessions/{room}/start", "POST"))[0] == 200
    page = await open_lab(browser, media_lab, "alice", f"/lab?studysession-session={room}")
    await page.get_by_test_id("studysession-call-join").click(timeout=WAIT)
    notice = page.get_by_test_id("studysession-video-notice")
    await expect(notice).to_contain_text("still listen and chat", timeout=WAIT)
    await expect(tile(page, "alice")).to_have_attribute("data-audio", "false", timeout=WAIT)
    box = page.get_by_test_id("studysession-chat-input")
    await box.fill("I have no microphone")
    await box.press("Enter")
    await expect(page.get_by_test_id("studysession-message")).to_contain_text("no microphone")
