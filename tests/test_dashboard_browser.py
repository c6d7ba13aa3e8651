"""The dashboard (mockserver/dashboard.py) in a real headless browser: Debian's chromium driven by
Selenium through Debian's chromedriver (named explicitly, so Selenium never downloads one), against a
sandbox served on port 0 (fixtures and the skip: tests/browser_fixtures.py). Skipped, with the reason,
where either is missing; screenshots go to the
test's tmp_path."""

from __future__ import annotations

import httpx

from .browser_fixtures import By, Page, Select, browser, dashboard, served

__all__ = ["browser", "dashboard", "served"]  # the fixtures this module takes from browser_fixtures


def test_the_dashboard_watches_and_steers_a_served_sandbox(dashboard: Page) -> None:
    (app, server), browser, tmp_path = dashboard.served, dashboard.driver, dashboard.tmp_path
    api = app.api_list(server.url)[0]
    name, base, headers = api["name"], api["specs"][0]["base_url"], api["headers"]
    control = dashboard.served.control

    # A call made elsewhere appears in the journal without a reload.
    marker = "/dashboard-probe"
    httpx.get(f"{base}{marker}", headers=headers)
    dashboard.until(lambda d: marker in d.find_element(By.ID, "journal-list").text, "the call in the journal")
    browser.save_screenshot(str(tmp_path / "journal.png"))

    # A fault added in the page fires on the next call.
    form = browser.find_element(By.ID, "fault-form")
    Select(form.find_element(By.NAME, "api")).select_by_value(name)
    form.find_element(By.NAME, "status").clear()
    form.find_element(By.NAME, "status").send_keys("418")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dashboard.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#fault-rows tr"), "the fault listed")
    assert httpx.get(f"{base}/after-fault", headers=headers).status_code == 418
    dashboard.until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#fault-rows .fired").text == "1",
        "the fault fired",
    )
    dashboard.until(
        lambda d: "/after-fault → 418" in d.find_element(By.ID, "journal-list").text,
        "the faulted call",
    )
    browser.find_element(By.CSS_SELECTOR, "#fault-rows button").click()
    dashboard.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#fault-rows tr"), "the fault removed")
    assert httpx.get(f"{control}/faults").json() == []

    # The clock advances by two days.
    before = httpx.get(f"{control}/clock").json()["epoch"]
    form = browser.find_element(By.ID, "advance-form")
    form.find_element(By.NAME, "amount").clear()
    form.find_element(By.NAME, "amount").send_keys("2")
    Select(form.find_element(By.NAME, "unit")).select_by_value("days")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dashboard.until(
        lambda d: httpx.get(f"{control}/clock").json()["epoch"] - before >= 2 * 86400,
        "the clock moved",
    )

    # A snapshot taken in the page, the data changed, the snapshot restored from the page.
    saved = httpx.get(f"{control}/state/{name}").json()["collections"]
    form = browser.find_element(By.ID, "snapshot-form")
    form.find_element(By.NAME, "name").send_keys("before")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    restore = dashboard.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-snapshot=before] button"), "the snapshot"
    )
    httpx.put(f"{control}/state/{name}", json={"collections": {}}).raise_for_status()
    assert httpx.get(f"{control}/state/{name}").json()["collections"] != saved
    restore[0].click()
    dashboard.until(lambda d: "restored before" in d.find_element(By.ID, "status").text, "the restore")
    assert httpx.get(f"{control}/state/{name}").json()["collections"] == saved
    browser.save_screenshot(str(tmp_path / "dashboard.png"))
    assert (tmp_path / "dashboard.png").stat().st_size > 0
