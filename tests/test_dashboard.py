"""The dashboard (mockserver/dashboard.py) in process: the page for browsers, its script and stylesheet,
and the token flow behind a control token: ``?token=`` once, then an HttpOnly SameSite=Strict cookie the
control plane accepts, with ``Origin`` checked on requests that change something. (The page's behaviour
in a browser: tests/test_dashboard_browser.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.exposure import TOKEN_COOKIE
from mockserver.testing import sync_client
from mockserver.vendors import vendor_names

TOKEN = "dashboard-test-token"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
COOKIE = {"Cookie": f"{TOKEN_COOKIE}={TOKEN}"}
SAME_SITE = {**COOKIE, "Origin": "http://sandbox"}


@pytest.fixture(scope="module")
def guarded() -> Iterator[Sandbox]:
    app = create_app(control_token=TOKEN)
    yield app
    app.close()


@pytest.fixture
def client(guarded: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(guarded, follow_redirects=False) as client:
        yield client
    guarded.reset()


def test_a_browser_gets_the_dashboard_and_curl_the_json_index() -> None:
    app = create_app()
    try:
        with sync_client(app) as client:
            page = client.get("/__sandbox__/", headers={"Accept": BROWSER})
            index = client.get("/__sandbox__/")
            script = client.get("/__sandbox__/dashboard.js")
            style = client.get("/__sandbox__/dashboard.css")
    finally:
        app.close()
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert 'src="http://sandbox/__sandbox__/dashboard.js"' in page.text
    for section in ("apis", "journal", "state", "faults", "clock", "webhooks", "coverage", "snapshots"):
        assert f'<section id="{section}"' in page.text
    assert "Copy as curl" in page.text
    assert [api["name"] for api in index.json()["apis"]] == vendor_names()
    assert script.headers["content-type"].startswith("text/javascript")
    assert "fetch(" in script.text
    assert style.headers["content-type"].startswith("text/css")
    assert "body{" in style.text


def test_the_token_given_once_is_kept_in_a_strict_http_only_cookie(client: httpx.Client) -> None:
    response = client.get(f"/__sandbox__/?token={TOKEN}", headers={"Accept": BROWSER})

    assert response.status_code == 303
    assert response.headers["location"] == "http://sandbox/__sandbox__/"
    attributes = [part.strip() for part in response.headers["set-cookie"].split(";")]
    assert attributes[0] == f"{TOKEN_COOKIE}={TOKEN}"
    assert {"HttpOnly", "SameSite=Strict", "Path=/__sandbox__"} <= set(attributes)


def test_a_wrong_token_sets_no_cookie(client: httpx.Client) -> None:
    response = client.get("/__sandbox__/?token=not-the-token", headers={"Accept": BROWSER})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "set-cookie" not in response.headers


def test_the_control_plane_accepts_the_cookie(client: httpx.Client) -> None:
    assert client.get("/__sandbox__/journal").status_code == 401
    assert client.get("/__sandbox__/journal", headers=COOKIE).status_code == 200
    wrong = {"Cookie": f"other=1; {TOKEN_COOKIE}=not-the-token"}
    assert client.get("/__sandbox__/journal", headers=wrong).status_code == 401
    # The page itself shows the credentials to the cookie, as the index does to the header.
    page = client.get("/__sandbox__/", headers={"Accept": BROWSER, **COOKIE}).text
    assert "Credentials are listed only with the control token" not in page


def test_a_token_with_a_semicolon_a_space_and_an_accent_survives_the_cookie() -> None:
    token = "pass word;é=1"
    app = create_app(control_token=token)
    try:
        with sync_client(app, follow_redirects=False) as client:
            given = client.get("/__sandbox__/", params={"token": token}, headers={"Accept": BROWSER})
            value = given.headers["set-cookie"].split(";")[0].partition("=")[2]
            kept = {"Cookie": f"{TOKEN_COOKIE}={value}"}
            journal = client.get("/__sandbox__/journal", headers=kept)
            raw = client.get("/__sandbox__/journal", headers={"Cookie": f"{TOKEN_COOKIE}=pass"})
    finally:
        app.close()
    assert given.status_code == 303
    assert value == "pass%20word%3B%C3%A9%3D1"
    assert journal.status_code == 200
    assert raw.status_code == 401


FAULT = {"api": vendor_names()[0], "status": 503}


@pytest.mark.parametrize(
    "origin", [None, "http://evil.example", "https://sandbox", "http://sandbox.evil.example", "null"]
)
def test_a_change_sent_with_the_cookie_from_elsewhere_is_refused(
    client: httpx.Client, origin: str | None
) -> None:
    headers = {**COOKIE, **({"Origin": origin} if origin else {})}

    assert client.post("/__sandbox__/faults", json=FAULT, headers=headers).status_code == 401
    assert client.get("/__sandbox__/faults", headers=COOKIE).json() == []


def test_a_change_sent_with_the_cookie_from_the_page_is_made(client: httpx.Client) -> None:
    added = client.post("/__sandbox__/faults", json=FAULT, headers=SAME_SITE)

    assert added.status_code == 201
    assert [f["id"] for f in client.get("/__sandbox__/faults", headers=COOKIE).json()] == [added.json()["id"]]


@pytest.mark.parametrize("origin", [None, "http://evil.example"])
def test_header_token_clients_are_unaffected(client: httpx.Client, origin: str | None) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", **({"Origin": origin} if origin else {})}

    assert client.post("/__sandbox__/faults", json=FAULT, headers=headers).status_code == 201
    assert len(client.get("/__sandbox__/faults", headers=headers).json()) == 1
