"""The dashboard (mockserver/dashboard.py) in a real headless browser: Debian's chromium driven by
Selenium through Debian's chromedriver (named explicitly, so Selenium never downloads one), against a
sandbox served on port 0. Skipped, with the reason, where either is missing; screenshots go to the
test's tmp_path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.server import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,1600",
)
WAIT = 10.0

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the dev extra)")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        f"no browser: {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, LiveServer]]:
    app = create_app()
    server = LiveServer(app).start()
    yield app, server
    server.stop()
    app.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _until(driver: Any, check: Any, what: str) -> Any:
    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(lambda d: check(d), message=what)


def test_the_dashboard_watches_and_steers_a_served_sandbox(
    served: tuple[Sandbox, LiveServer], browser: Any, tmp_path: Path
) -> None:
    app, server = served
    api = app.api_list(server.url)[0]
    name, base, headers = api["name"], api["specs"][0]["base_url"], api["headers"]
    control = f"{server.url}/__sandbox__"
    browser.get(f"{control}/")
    _until(
        browser,
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"),
        "the page to start",
    )

    # A call made elsewhere appears in the journal without a reload.
    marker = "/dashboard-probe"
    httpx.get(f"{base}{marker}", headers=headers)
    _until(browser, lambda d: marker in d.find_element(By.ID, "journal-list").text, "the call in the journal")
    browser.save_screenshot(str(tmp_path / "journal.png"))

    # A fault added in the page fires on the next call.
    form = browser.find_element(By.ID, "fault-form")
    Select(form.find_element(By.NAME, "api")).select_by_value(name)
    form.find_element(By.NAME, "status").clear()
    form.find_element(By.NAME, "status").send_keys("418")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#fault-rows tr"), "the fault listed")
    assert httpx.get(f"{base}/after-fault", headers=headers).status_code == 418
    _until(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, "#fault-rows .fired").text == "1",
        "the fault fired",
    )
    _until(
        browser,
        lambda d: "/after-fault → 418" in d.find_element(By.ID, "journal-list").text,
        "the faulted call",
    )
    browser.find_element(By.CSS_SELECTOR, "#fault-rows button").click()
    _until(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#fault-rows tr"), "the fault removed")
    assert httpx.get(f"{control}/faults").json() == []

    # The clock advances by two days.
    before = httpx.get(f"{control}/clock").json()["epoch"]
    form = browser.find_element(By.ID, "advance-form")
    form.find_element(By.NAME, "amount").clear()
    form.find_element(By.NAME, "amount").send_keys("2")
    Select(form.find_element(By.NAME, "unit")).select_by_value("days")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _until(
        browser,
        lambda d: httpx.get(f"{control}/clock").json()["epoch"] - before >= 2 * 86400,
        "the clock moved",
    )

    # A snapshot taken in the page, the data changed, the snapshot restored from the page.
    saved = httpx.get(f"{control}/state/{name}").json()["collections"]
    form = browser.find_element(By.ID, "snapshot-form")
    form.find_element(By.NAME, "name").send_keys("before")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    restore = _until(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-snapshot=before] button"), "the snapshot"
    )
    httpx.put(f"{control}/state/{name}", json={"collections": {}}).raise_for_status()
    assert httpx.get(f"{control}/state/{name}").json()["collections"] != saved
    restore[0].click()
    _until(browser, lambda d: "restored before" in d.find_element(By.ID, "status").text, "the restore")
    assert httpx.get(f"{control}/state/{name}").json()["collections"] == saved
    browser.save_screenshot(str(tmp_path / "dashboard.png"))
    assert (tmp_path / "dashboard.png").stat().st_size > 0
