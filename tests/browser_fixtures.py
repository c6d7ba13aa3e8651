"""What the dashboard's browser tests share: Debian's chromium driven by Selenium through Debian's
chromedriver (named explicitly, so Selenium never downloads one), and a sandbox served on port 0.

A test module imports its fixtures from here, so it gets ONE browser and ONE server (both are slow to
start); ``dashboard`` gives each test the page afresh, on a sandbox reset (sessions and faults gone too),
with downloads going to the test's ``tmp_path``. After the test it saves a screenshot there and fails the
test if the page logged an error to the console. Importing this module skips the importing module, with
the reason, where selenium, chromium or chromedriver is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from mockserver import Sandbox, create_app
from mockserver.plugin import SandboxHandle
from mockserver.server import LiveServer
from mockserver.testing import sync_client

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
ROWS = "return [...document.querySelectorAll(arguments[0])].map((r) => [...r.cells].map((c) => c.innerText))"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the dev extra)")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        f"no browser: {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


class Served(NamedTuple):
    app: Sandbox
    server: LiveServer

    @property
    def control(self) -> str:
        return f"{self.server.url}/__sandbox__"


class Page(NamedTuple):
    """The dashboard open in ``driver`` on ``served``, for one test."""

    driver: Any
    served: Served
    tmp_path: Path

    def until(self, check: Callable[[Any], Any], what: str) -> Any:
        return until(self.driver, check, what)

    def text(self, element_id: str) -> str:
        """The element's text, read in one step (the page re-renders some sections every second)."""
        script = "const e = document.getElementById(arguments[0]); return e ? e.innerText : null"
        return str(self.driver.execute_script(script, element_id))

    def rows(self, selector: str) -> list[list[str]]:
        """The cells' texts of each row ``selector`` matches, read in one step."""
        return list(self.driver.execute_script(ROWS, selector))

    def shown_seqs(self) -> list[int]:
        """The journal entries the page lists, by ``seq``, oldest first."""
        script = (
            "return [...document.querySelectorAll('#journal-list li[data-seq]')].map((r) => r.dataset.seq)"
        )
        return sorted(int(seq) for seq in self.driver.execute_script(script))


def until(driver: Any, check: Callable[[Any], Any], what: str) -> Any:
    """``check(driver)`` once truthy (polled), or a timeout naming ``what``.

    An element the page re-rendered between being found and being read (stale) is read again at the
    next poll: the page rebuilds a list when what it shows changes (a fault's count once it fired).
    """
    return WebDriverWait(
        driver, WAIT, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    ).until(lambda d: check(d), message=what)


def open_dashboard(driver: Any, url: str) -> None:
    """Load the page at ``url`` and wait until its script has filled every section."""
    driver.get(url)
    until(
        driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"), "the page to start"
    )


def severe_console_entries(driver: Any) -> list[dict[str, Any]]:
    """The page's console errors since the last call (the log is read once)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def client_of(app: Sandbox, api: str, session: str | None = None) -> Any:
    """An in-process client of ``api``, authenticated its way, in ``session`` (the default if None)."""
    handle = SandboxHandle(app, app.options)
    made = handle.client(api)
    headers = {**made.headers, **({"X-Sandbox-Session": session} if session else {})}
    return sync_client(app, base_url=str(made.base_url), headers=headers, auth=made.auth)


def control_client(app: Sandbox, session: str | None = None) -> Any:
    """An in-process client of the control plane, in ``session`` (the default if None)."""
    headers = {"X-Sandbox-Session": session} if session else {}
    return sync_client(app, base_url="http://sandbox/__sandbox__", headers=headers)


def fresh(app: Sandbox) -> None:
    """The default session reset, every other session forgotten, no fault left."""
    with control_client(app) as control:
        control.post("/reset", json={}).raise_for_status()
        for session in control.get("/sessions").json()["sessions"]:
            control.delete(f"/sessions/{session['name']}").raise_for_status()
        for fault in control.get("/faults").json():
            control.delete(f"/faults/{fault['id']}").raise_for_status()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    app = create_app()
    server = LiveServer(app).start()
    yield Served(app, server)
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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def dashboard(served: Served, browser: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The page afresh on a fresh sandbox; a screenshot afterwards, and no console error allowed."""
    fresh(served.app)
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    severe_console_entries(browser)
    open_dashboard(browser, f"{served.control}/")
    yield Page(browser, served, tmp_path)
    browser.save_screenshot(str(tmp_path / f"{request.node.name}.png"))
    browser.execute_script("sessionStorage.clear()")  # the session chosen, for the next test
    errors = severe_console_entries(browser)
    assert not errors, f"the page logged errors to the console: {errors!r}"


__all__ = [
    "By",
    "Keys",
    "Page",
    "Select",
    "Served",
    "browser",
    "client_of",
    "control_client",
    "dashboard",
    "fresh",
    "open_dashboard",
    "served",
    "severe_console_entries",
    "until",
]
