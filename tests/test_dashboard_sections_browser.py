"""Every section of the dashboard (mockserver/dashboard.py) in a real headless browser: the journal's
filters and details, state, faults, the clock, webhooks and outboxes, coverage, the session selector,
the page behind a control token, and accessibility basics. Fixtures and the skip: tests/browser_fixtures.py
(one browser and one server for the module; each test gets the page afresh on a fresh sandbox, and fails
on any console error)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import create_app
from mockserver.server import LiveServer
from mockserver.testing import sync_client

from .browser_fixtures import (
    By,
    Keys,
    Page,
    Select,
    browser,
    client_of,
    control_client,
    dashboard,
    open_dashboard,
    served,
    severe_console_entries,
    until,
)
from .vendor_fixtures import plain_gets

__all__ = ["browser", "dashboard", "served"]  # the fixtures this module takes from browser_fixtures

ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@browser.example",
    "user_type": "apprentice",
}


def _journal(page: Page, session: str | None = None) -> list[dict[str, Any]]:
    with control_client(page.served.app, session) as control:
        return list(control.get("/journal", params={"limit": 200}).json()["entries"])


def _set_filter(page: Page, name: str, value: str) -> None:
    """The journal filter ``name`` set to ``value`` (the others emptied), as a user types or picks it."""
    form = page.driver.find_element(By.ID, "journal-filters")
    page.driver.execute_script("arguments[0].reset(); arguments[0].dispatchEvent(new Event('input'))", form)
    # Typed, a select included (its options are picked by typing): the events a user's keys fire.
    form.find_element(By.NAME, name).send_keys(value)


def test_journal_filters_by_api_operation_status_and_text_hide_the_calls_that_do_not_match(
    dashboard: Page,
) -> None:
    app = dashboard.served.app
    first, second = list(app.contexts)[:2]
    wanted = plain_gets(app.contexts[first].index)[0]
    with client_of(app, first) as one, client_of(app, second) as two:
        assert one.get(wanted.path).status_code == 200
        assert one.get("/zz-browser-marker").status_code == 404
        assert two.get(plain_gets(app.contexts[second].index)[0].path).status_code == 200
        base = str(one.base_url)
    with sync_client(app, base_url=base) as anonymous:
        assert anonymous.get(wanted.path).status_code == 401  # a 4xx but not the 404 filtered on
    entries = _journal(dashboard)
    open_dashboard(dashboard.driver, f"{dashboard.served.control}/")
    every = sorted(e["seq"] for e in entries)
    dashboard.until(lambda d: dashboard.shown_seqs() == every, "every call listed")

    expected = {
        "api": (first, [e["seq"] for e in entries if e["api"] == first]),
        "operation": (wanted.id.lower(), [e["seq"] for e in entries if e.get("operation_id") == wanted.id]),
        "status": ("404", [e["seq"] for e in entries if e["status"] == 404]),
        "text": ("zz-browser-marker", [e["seq"] for e in entries if "zz-browser-marker" in e["path"]]),
    }
    for name, (value, seqs) in expected.items():
        assert 0 < len(seqs) < len(every), (name, seqs)
        _set_filter(dashboard, name, value)
        dashboard.until(
            lambda d, seqs=seqs: dashboard.shown_seqs() == sorted(seqs), f"only the {name} matches"
        )
        assert f"{len(seqs)} of {len(every)} calls" == dashboard.text("journal-count")


def test_a_calls_request_and_response_open_from_the_keyboard_and_each_call_and_api_has_copy_as_curl(
    dashboard: Page,
) -> None:
    app = dashboard.served.app
    name = next(iter(app.contexts))
    with client_of(app, name) as client:
        client.get("/zz-keyboard-probe")
    open_dashboard(dashboard.driver, f"{dashboard.served.control}/")
    driver = dashboard.driver
    dashboard.until(lambda d: dashboard.shown_seqs(), "the call listed")

    driver.find_element(By.CSS_SELECTOR, "#journal-filters [name=text]").click()
    summary = None
    for _ in range(5):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        if driver.switch_to.active_element.tag_name == "summary":
            summary = driver.switch_to.active_element
            break
    assert summary is not None, "no call's summary reached with Tab"
    details = summary.find_element(By.XPATH, "..")
    assert details.get_attribute("open") is None
    summary.send_keys(Keys.ENTER)
    dashboard.until(lambda d: details.get_attribute("open") is not None, "the details open")
    request, response = details.find_elements(By.TAG_NAME, "pre")[:2]
    assert request.is_displayed()
    assert request.text.startswith("GET ")
    assert "/zz-keyboard-probe" in request.text
    assert response.is_displayed()
    assert response.text.startswith("404 ")

    for row in driver.find_elements(By.CSS_SELECTOR, "#journal-list li[data-seq]"):
        assert row.find_elements(By.XPATH, ".//button[normalize-space()='Copy as curl']"), row.text
    cards = driver.find_elements(By.CSS_SELECTOR, "#apis > section")
    assert len(cards) == len(app.contexts)
    for card in cards:
        assert card.find_elements(By.XPATH, ".//button[normalize-space()='Copy as curl']"), card.text


def _show_state(page: Page, api: str) -> dict[str, str]:
    """The collections the page lists for ``api``, ``{name: 'name (count)'}``."""
    section = page.driver.find_element(By.ID, "state")
    Select(section.find_element(By.NAME, "api")).select_by_value(api)
    section.find_element(By.XPATH, ".//button[.='Show collections']").click()
    script = "return [...document.querySelectorAll('#state-view li button')].map((b) => b.innerText)"
    buttons = page.until(lambda d: d.execute_script(script), "the collections")
    return {text.rsplit(" (", 1)[0]: text for text in buttons}


def test_state_shows_each_collection_with_its_count_and_opens_its_records(dashboard: Page) -> None:
    api = list(dashboard.served.app.contexts)[-1]
    with control_client(dashboard.served.app) as control:
        collections = control.get(f"/state/{api}").json()["collections"]

    shown = _show_state(dashboard, api)

    assert shown == {name: f"{name} ({len(records)})" for name, records in collections.items()}
    name = max(collections, key=lambda n: len(collections[n]))
    dashboard.driver.find_element(By.XPATH, f"//*[@id='state-view']//button[.='{shown[name]}']").click()
    record = dashboard.until(lambda d: dashboard.text("record"), "the records shown")
    assert json.loads(record) == collections[name]


def test_state_export_downloads_it_and_an_edited_import_changes_it(dashboard: Page) -> None:
    api = list(dashboard.served.app.contexts)[-1]
    url = f"{dashboard.served.control}/state/{api}"
    section = dashboard.driver.find_element(By.ID, "state")
    Select(section.find_element(By.NAME, "api")).select_by_value(api)
    section.find_element(By.XPATH, ".//button[.='Export']").click()
    saved = dashboard.tmp_path / f"{api}-state.json"
    dashboard.until(lambda d: saved.exists() and saved.stat().st_size, "the download")
    exported = json.loads(saved.read_text())
    assert exported == httpx.get(url).json()

    emptied = max(exported["collections"], key=lambda n: len(exported["collections"][n]))
    edited = {**exported, "collections": {**exported["collections"], emptied: {}}}
    text = section.find_element(By.ID, "import-text")
    dashboard.driver.execute_script("arguments[0].value = arguments[1]", text, json.dumps(edited))
    section.find_element(By.XPATH, ".//button[.='Import']").click()
    dashboard.until(lambda d: f"imported {api}" in dashboard.text("status"), "the import")
    assert httpx.get(url).json()["collections"] == edited["collections"] != exported["collections"]


def _add_fault(page: Page, api: str, kind: str, operation: str = "", latency: str = "") -> None:
    form = page.driver.find_element(By.ID, "fault-form")
    Select(form.find_element(By.NAME, "api")).select_by_value(api)
    Select(form.find_element(By.NAME, "kind")).select_by_value(kind)
    for name, value in (("operation", operation), ("latency_ms", latency)):
        form.find_element(By.NAME, name).clear()
        form.find_element(By.NAME, name).send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def _fault_rows(page: Page) -> list[list[str]]:
    return [row[:5] for row in page.rows("#fault-rows tr")]


POLLS = "return performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/faults'))"


def test_faults_with_latency_and_with_drop_are_added_listed_and_removed(dashboard: Page) -> None:
    app = dashboard.served.app
    api = list(app.contexts)[1]
    operation = plain_gets(app.contexts[api].index)[0].id
    _add_fault(dashboard, api, "latency", operation=operation, latency="7")
    dashboard.until(lambda d: len(_fault_rows(dashboard)) == 1, "the latency fault listed")
    _add_fault(dashboard, api, "drop")
    dashboard.until(lambda d: len(_fault_rows(dashboard)) == 2, "the drop fault listed")

    with control_client(app) as control:
        faults = control.get("/faults").json()
    assert [(f["api"], f.get("operation"), f["kind"], f.get("latency_ms")) for f in faults] == [
        (api, operation, "latency", 7),
        (api, None, "drop", None),
    ]
    assert _fault_rows(dashboard) == [
        [faults[0]["id"], api, operation, "latency", "7 ms"],
        [faults[1]["id"], api, "every", "drop", ""],
    ]

    # From the keyboard: the Remove button keeps the focus while the page polls the faults.
    remove = dashboard.driver.find_element(By.XPATH, f"//button[.='Remove {faults[1]['id']}']")
    dashboard.driver.execute_script("arguments[0].focus()", remove)
    polled = len(dashboard.driver.execute_script(POLLS))
    dashboard.until(lambda d: len(d.execute_script(POLLS)) >= polled + 2, "the page polling the faults")
    focused = dashboard.driver.execute_script("return document.activeElement.innerText")
    assert focused == f"Remove {faults[1]['id']}"
    dashboard.driver.switch_to.active_element.send_keys(Keys.ENTER)
    dashboard.until(lambda d: len(_fault_rows(dashboard)) == 1, "the drop fault removed")
    assert _fault_rows(dashboard)[0][0] == faults[0]["id"]
    with control_client(app) as control:
        assert [f["id"] for f in control.get("/faults").json()] == [faults[0]["id"]]


def _press(page: Page, button: str, then: str) -> dict[str, Any]:
    """The clock's ``button`` pressed; once the page says ``then`` (the button's next text), the clock."""
    page.driver.find_element(By.XPATH, f"//*[@id='clock']//button[.='{button}']").click()
    page.until(lambda d: page.text("freeze") == then, f"the clock after {button}")
    with control_client(page.served.app) as control:
        return dict(control.get("/clock").json())


def test_the_clock_freezes_and_goes_back_to_real_time(dashboard: Page) -> None:
    with control_client(dashboard.served.app) as control:
        control.post("/clock/advance", json={"days": 3}).raise_for_status()

    frozen = _press(dashboard, "Freeze", then="Unfreeze")
    assert dashboard.text("clock-frozen") == "(frozen)"
    assert frozen["frozen"] is True
    assert frozen["offset_seconds"] is None

    real = _press(dashboard, "Back to real time", then="Freeze")
    assert dashboard.text("clock-frozen") == "(running)"
    assert real["frozen"] is False
    assert abs(real["offset_seconds"]) < 1


HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
def hooked(dashboard: Page) -> Iterator[Page]:
    """Coursepath's webhooks registered to a port nothing listens on (registrations survive a reset)."""
    with control_client(dashboard.served.app) as control:
        control.post("/webhooks/coursepath", json={"url": HOOK}).raise_for_status()
        yield dashboard
        control.delete("/webhooks/coursepath").raise_for_status()


def test_an_enrolment_shows_its_webhook_delivery_and_an_invite_shows_in_the_outbox(hooked: Page) -> None:
    app = hooked.served.app
    open_dashboard(hooked.driver, f"{hooked.served.control}/")
    assert f"coursepath: {HOOK}" in hooked.text("webhooks")
    # Made once the page is open: the section is polled, the delivery shows without a reload.
    with client_of(app, "coursepath") as coursepath:
        course = coursepath.get("/api/v1/courses", params={"limit": 1}).json()[0]["id"]
        made = coursepath.post(f"/api/v1/courses/{course}/members", data={"email": "grace@browser.example"})
        member = made.json()["id"]
        assert coursepath.post(f"/api/v1/courses/{course}/members/{member}/invite").status_code < 300
    path = "//h3[.='Deliveries (1)']/following-sibling::ul[1]/li"
    hooked.until(lambda d: d.find_elements(By.XPATH, path), "the delivery, polled")

    deliveries = hooked.driver.find_elements(By.XPATH, path)
    assert len(deliveries) == 1
    assert f" COURSEMEMBER_CREATED → {HOOK}: " in deliveries[0].text
    hooked.driver.find_element(By.XPATH, "//button[.='coursepath: outbox']").click()
    out = hooked.until(lambda d: hooked.text("action-out"), "the outbox")
    assert [m["to"] for m in json.loads(out)["messages"]] == ["grace@browser.example"]
    # Still there once the section is refreshed (any change made in the page refreshes it).
    hooked.driver.find_element(By.ID, "freeze").click()
    hooked.until(lambda d: hooked.text("freeze") == "Unfreeze", "the clock frozen")
    assert hooked.text("action-out") == out


def _percent(part: dict[str, Any]) -> str:
    """A coverage figure as the page writes it (JavaScript's number to string)."""
    return f"{part['covered']}/{part['documented']} ({part['percent']:g}%)"


def test_coverage_shows_the_operations_exercised_with_the_figures_of_the_control_plane(
    dashboard: Page,
) -> None:
    app = dashboard.served.app
    api = list(app.contexts)[2]
    gets = plain_gets(app.contexts[api].index)[:2]
    with client_of(app, api) as client:
        for op in gets:
            client.get(op.path)
    with control_client(app) as control:
        report = control.get("/coverage").json()
    open_dashboard(dashboard.driver, f"{dashboard.served.control}/")

    summary = f"Operations {_percent(report['operations'])}, statuses {_percent(report['statuses'])}"
    assert summary in dashboard.text("coverage")
    rows = {row[0]: row[1:] for row in dashboard.rows("#coverage tbody tr")}
    assert set(rows) == {a["name"] for a in report["apis"]}
    for entry in report["apis"]:
        met = [op for op in entry["operation_list"] if op["calls"]]
        exercised = "; ".join(f"{op['id']} ({', '.join(op['statuses_seen'])})" for op in met)
        figures = [_percent(entry[part]) for part in ("operations", "statuses", "refusal_ways")]
        assert rows[entry["name"]] == [*figures, exercised]
    assert {op.id for op in gets} <= {part.split(" (")[0] for part in rows[api][-1].split("; ")}


def _choose_session(page: Page, name: str) -> None:
    field = page.driver.find_element(By.ID, "session")
    field.clear()
    field.send_keys(name, Keys.ENTER)
    page.until(lambda d: f"session: {name or 'default'}" in page.text("status"), f"the session {name!r}")


def test_the_session_chosen_is_the_one_the_journal_and_state_show_and_reset_resets(dashboard: Page) -> None:
    app, driver = dashboard.served.app, dashboard.driver
    api = next(iter(app.contexts))
    with control_client(app) as control:
        seeded = control.get(f"/state/{api}").json()["collections"]
    for session, email in (("s1", "ada@s1.example"), (None, "ada@default.example")):
        with client_of(app, api, session) as client:
            client.get(f"/zz-{session or 'default'}-only")
            assert client.post("/create-user", json={"user": {**ADA, "email": email}}).status_code == 201
    state = {}
    for session in ("s1", None):
        with control_client(app, session) as control:
            state[session] = control.get(f"/state/{api}").json()["collections"]
    assert state["s1"] != state[None] != seeded

    before = _show_state(dashboard, api)
    assert before == {name: f"{name} ({len(records)})" for name, records in state[None].items()}
    _choose_session(dashboard, "s1")
    dashboard.until(lambda d: "/zz-s1-only" in dashboard.text("journal-list"), "the session's call")
    assert "/zz-default-only" not in dashboard.text("journal-list")
    expected = "\n".join(f"{name} ({len(records)})" for name, records in state["s1"].items())
    dashboard.until(lambda d: dashboard.text("state-view").startswith(expected), "the session's state shown")

    driver.find_element(By.ID, "reset").click()
    dashboard.until(
        lambda d: "/zz-s1-only" not in dashboard.text("journal-list"), "the session's journal reset"
    )
    with control_client(app, "s1") as control:
        assert control.get(f"/state/{api}").json()["collections"] == seeded
    with control_client(app) as control:
        assert control.get(f"/state/{api}").json()["collections"] == state[None]
        assert any(e["path"].endswith("/zz-default-only") for e in control.get("/journal").json()["entries"])


TOKEN = "browser-test-token"


@pytest.fixture
def exposed(browser: Any) -> Iterator[tuple[Any, str]]:
    """A sandbox whose control plane needs ``TOKEN``, served on a port of its own for one test."""
    app = create_app(control_token=TOKEN)
    server = LiveServer(app).start()
    yield app, f"{server.url}/__sandbox__"
    browser.delete_all_cookies()
    server.stop()
    app.close()


def test_behind_a_token_the_page_says_where_it_goes_then_works_once_given(
    exposed: tuple[Any, str], browser: Any, tmp_path: Any
) -> None:
    app, control = exposed
    credential = app.api_list("http://sandbox")[0]["credentials"][0]
    with client_of(app, next(iter(app.contexts))) as client:
        client.get("/zz-exposed-marker")
    severe_console_entries(browser)

    browser.get(f"{control}/")
    page = browser.page_source
    assert "/__sandbox__/?token=TOKEN" in page
    assert "zz-exposed-marker" not in page
    assert credential not in page
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") is None
    browser.save_screenshot(str(tmp_path / "locked.png"))

    open_dashboard(browser, f"{control}/?token={TOKEN}")
    assert browser.current_url == f"{control}/"
    until(
        browser, lambda d: "/zz-exposed-marker" in d.find_element(By.ID, "journal-list").text, "the journal"
    )
    browser.find_element(By.ID, "freeze").click()
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    until(
        browser, lambda d: httpx.get(f"{control}/clock", headers=bearer).json()["frozen"], "the clock frozen"
    )
    browser.save_screenshot(str(tmp_path / "unlocked.png"))
    assert not severe_console_entries(browser)


FOLLOWS = """const section = document.querySelector(arguments[0]), now = document.activeElement;
  return section.contains(now)
    || Boolean(section.compareDocumentPosition(now) & Node.DOCUMENT_POSITION_FOLLOWING)"""
LABELLED = """return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((e) => !([...e.labels].some((l) => l.innerText.trim()) || e.getAttribute('aria-label')))
  .map((e) => e.outerHTML)"""


def test_every_field_has_a_label_and_every_section_is_reached_from_the_keyboard(dashboard: Page) -> None:
    driver = dashboard.driver
    assert driver.execute_script(LABELLED) == []

    links = driver.execute_script("return [...document.querySelectorAll('nav a')].map((a) => a.hash)")
    sections = driver.execute_script(
        "return [...document.querySelectorAll('main > section')].map((s) => '#' + s.id)"
    )
    assert links == sections
    reached = []
    for _ in range(len(links) + 10):  # the nav comes first: Tab from the top reaches each link in order
        driver.switch_to.active_element.send_keys(Keys.TAB)
        reached.append(driver.execute_script("return document.activeElement.hash || null"))
    assert [hash for hash in reached if hash][: len(links)] == links
    for target in links:
        driver.execute_script(
            "window.scrollTo(0, 0); document.querySelector(`nav a[href='${arguments[0]}']`).focus()", target
        )
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        dashboard.until(lambda d, t=target: d.execute_script("return location.hash") == t, f"{target} opened")
        top = driver.execute_script(
            "return document.querySelector(arguments[0]).getBoundingClientRect().top", target
        )
        assert -1 < top < driver.execute_script("return innerHeight"), target
        # The next Tab goes on from the section (or past it, if it has no control of its own).
        driver.switch_to.active_element.send_keys(Keys.TAB)
        after = driver.execute_script(FOLLOWS, target)
        assert after, f"Tab after {target} went back before it"
