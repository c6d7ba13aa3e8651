"""The dashboard's journal in a real headless browser: followed by a cursor and long polls, started
over on a new epoch, and counting the calls the journal's bound dropped before the page read them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.server import LiveServer

# The headless browser and its wait, shared with the dashboard's other browser tests.
from .browser_fixtures import By, browser
from .browser_fixtures import until as _until

__all__ = ["browser"]  # the fixture this module takes from browser_fixtures
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


@pytest.fixture(scope="module")
def small() -> Iterator[tuple[Sandbox, LiveServer]]:
    app = create_app(apis=("apprentiscope",), journal_size=2)
    server = LiveServer(app).start()
    yield app, server
    server.stop()
    app.close()


def _count(driver: Any) -> str:
    return str(driver.find_element(By.ID, "journal-count").text)


def test_the_journal_follows_calls_starts_over_on_a_clear_and_counts_calls_missed(
    small: tuple[Sandbox, LiveServer], browser: Any, tmp_path: Path
) -> None:
    app, server = small
    api = app.api_list(server.url)[0]
    base, headers = api["specs"][0]["base_url"], api["headers"]
    control = f"{server.url}/__sandbox__"
    browser.get(f"{control}/")
    _until(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"), "the page")

    httpx.get(f"{base}/followed", headers=headers)
    _until(browser, lambda d: "/followed" in d.find_element(By.ID, "journal-list").text, "the call")

    # Cleared elsewhere: a new epoch, and the page starts over.
    httpx.delete(f"{control}/journal").raise_for_status()
    _until(browser, lambda d: _count(d).startswith("0 of 0 calls"), "the list started over")

    # The page falls behind (offline) while six calls go by a journal that keeps two.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
    for number in range(6):
        httpx.get(f"{base}/behind-{number}", headers=headers)
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {**OFFLINE, "offline": False})
    _until(browser, lambda d: "calls missed" in _count(d), "the calls missed counted")
    _until(browser, lambda d: "/behind-5" in d.find_element(By.ID, "journal-list").text, "the newest call")
    missed = int(_count(browser).split(" · ")[1].split()[0])
    assert 1 <= missed <= 4
    browser.save_screenshot(str(tmp_path / "journal-missed.png"))
