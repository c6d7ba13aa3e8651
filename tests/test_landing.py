"""The landing answer (mockserver/landing.py): the index at /, /__sandbox__ and /__sandbox__/, JSON or
HTML by Accept, its URLs as the client reached the sandbox, credentials only where the control plane
would give them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.routing import Mount, Router

from mockserver import Sandbox, create_app
from mockserver.exposure import TOKEN_COOKIE, control_headers
from mockserver.landing import wants_html
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY, vendor_names

TOKEN = "landing-test-token"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
INDEX_PATHS = ["/", "/__sandbox__", "/__sandbox__/"]


@pytest.fixture(scope="module")
def guarded() -> Iterator[Sandbox]:
    """Every API, behind a control token (as ``serve`` bound beyond loopback is)."""
    app = create_app(control_token=TOKEN)
    yield app
    app.close()


def _secrets(app: Sandbox) -> set[str]:
    """Every credential value the sandbox accepts (and that the index must not show without the token)."""
    return {str(value) for info in app.apis.values() for c in info.credentials for value in c.values()}


@pytest.mark.parametrize("path", INDEX_PATHS)
@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/html;q=0.5"])
def test_the_index_is_json_for_curl_and_api_clients(
    client: httpx.Client, path: str, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(path, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    index = response.json()
    assert [api["name"] for api in index["apis"]] == vendor_names()
    assert index["credentials_shown"] is True
    assert index["health_url"] == "http://sandbox/__sandbox__/health"
    assert index["control_plane"]["token_required"] is False


def test_the_index_lists_what_the_control_plane_lists(client: httpx.Client) -> None:
    index = client.get("/").json()

    assert index["apis"] == client.get("/__sandbox__/apis").json()
    for api in index["apis"]:
        assert client.get(api["spec_url"]).status_code == 200


@pytest.mark.parametrize("path", INDEX_PATHS)
def test_a_browser_gets_the_index_as_a_page(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Accept" in response.headers["vary"]
    page = response.text
    assert page.startswith("<!doctype html>")
    for name, vendor in REGISTRY.items():
        assert f'id="api-{name}"' in page
        assert f'href="http://sandbox{vendor.prefix}{vendor.specs[0].spec_route}"' in page
    assert 'href="http://sandbox/__sandbox__/health"' in page
    # The banner's wording of each API's credentials.
    assert (
        "<code>Authorization: sandbox-apprentiscope-token</code>" in page or "apprentiscope" not in REGISTRY
    )


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/html", True),
        ("text/*", True),
        (BROWSER, True),
        ("text/html;q=0.4, application/json", False),
        ("application/json;q=0.4, text/html", True),
        ("text/html, application/json", False),
        ("text/html;q=0, */*", False),
        ("TEXT/HTML", True),
        ("text/html;q=oops, application/json;q=0.1", False),
        ("image/png", False),
    ],
)
def test_html_goes_to_clients_that_rank_it_above_json(accept: str | None, html: bool) -> None:
    assert wants_html(accept) is html


def test_the_urls_are_those_of_the_host_the_client_used(client: httpx.Client) -> None:
    index = client.get("/", headers={"Host": "sandbox.example:9000"}).json()

    assert index["base_url"] == "http://sandbox.example:9000"
    assert index["apis"][0]["base_url"].startswith("http://sandbox.example:9000/")
    assert index["control_plane"]["docs_url"] == "http://sandbox.example:9000/__sandbox__/ui/"


def test_the_urls_keep_the_root_path_of_an_app_mounting_the_sandbox(session_sandbox: Sandbox) -> None:
    outer = Router([Mount("/outer", app=session_sandbox)])
    with sync_client(outer) as client:
        index = client.get("/outer/").json()

    assert index["base_url"] == "http://sandbox/outer"
    assert index["health_url"] == "http://sandbox/outer/__sandbox__/health"


def test_the_page_escapes_what_it_shows() -> None:
    # A credential of the user's, on an API whose credential is one value.
    api = next(name for name, v in REGISTRY.items() if len(v.credentials.defaults[0]) == 1)
    app = create_app(apis=(api,), credentials={api: ('<script>alert("x")</script>',)})
    with sync_client(app) as client:
        page = client.get("/", headers={"Accept": "text/html"}).text
    app.close()

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_head_answers_the_headers_only_and_other_methods_are_refused(client: httpx.Client) -> None:
    head = client.head("/", headers={"Accept": "text/html"})
    posted = client.post("/")

    assert head.status_code == 200
    assert head.headers["content-type"] == "text/html; charset=utf-8"
    assert int(head.headers["content-length"]) > 0
    assert head.content == b""
    assert posted.status_code == 405
    assert posted.headers["allow"] == "GET, HEAD"
    assert posted.headers["content-type"] == "application/problem+json"


def test_paths_no_api_owns_still_answer_404(client: httpx.Client) -> None:
    response = client.get("/no-such-api")

    assert response.status_code == 404
    assert response.json()["detail"] == "no API is served at /no-such-api"


@pytest.mark.parametrize("api", vendor_names())
def test_under_root_slash_is_the_vendor_s_and_the_index_stays_under_the_control_plane(api: str) -> None:
    app = create_app(apis=(api,), root=True)
    with sync_client(app) as client:
        root = client.get("/", headers={"Accept": "application/json"})
        index = client.get("/__sandbox__/").json()
    app.close()

    assert not (root.status_code == 200 and "control_plane" in root.text)
    assert [entry["name"] for entry in index["apis"]] == [api]
    assert index["apis"][0]["base_url"] == "http://sandbox"


@pytest.mark.parametrize("path", INDEX_PATHS)
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_behind_a_token_the_index_shows_no_credentials_without_it(
    guarded: Sandbox, path: str, accept: str
) -> None:
    with sync_client(guarded) as client:
        response = client.get(path, headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    for secret in _secrets(guarded):
        assert secret not in response.text
    if accept == "application/json":
        index: dict[str, Any] = response.json()
        assert index["credentials_shown"] is False
        assert index["control_plane"]["token_required"] is True
        assert all(not {"credentials", "auth", "headers"} & set(api) for api in index["apis"])
        assert [api["name"] for api in index["apis"]] == vendor_names()
    else:
        assert "Credentials are listed only with the control token" in response.text


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_with_the_token_the_index_shows_the_credentials(guarded: Sandbox, accept: str) -> None:
    with sync_client(guarded) as client:
        response = client.get("/", headers={"Accept": accept, **control_headers(TOKEN)})
        apis = client.get("/__sandbox__/apis", headers=control_headers(TOKEN)).json()

    assert response.status_code == 200
    for secret in _secrets(guarded):
        assert secret in response.text
    if accept == "application/json":
        assert response.json()["credentials_shown"] is True
        assert response.json()["apis"] == apis


def test_a_wrong_token_is_no_token(guarded: Sandbox) -> None:
    with sync_client(guarded) as client:
        index = client.get("/", headers={"X-Sandbox-Token": "not-it"}).json()

    assert index["credentials_shown"] is False


def test_behind_a_proxy_at_a_root_path_the_links_control_url_and_cookie_carry_it(guarded: Sandbox) -> None:
    # A reverse proxy serving the sandbox at /sandbox, the server given that ASGI root_path.
    cookie = {"Cookie": f"{TOKEN_COOKIE}={TOKEN}", "Accept": BROWSER}

    async def visit() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=guarded, root_path="/sandbox")
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            # (First: the client keeps the cookie the token sets.)
            locked = await client.get("/sandbox/__sandbox__/", headers={"Accept": BROWSER})
            given = await client.get("/sandbox/__sandbox__/?token=" + TOKEN, headers={"Accept": BROWSER})
            page = await client.get("/sandbox/__sandbox__/", headers=cookie)
            return given, page, locked, await client.get("/sandbox/", headers=control_headers(TOKEN))

    given, page, locked, index = asyncio.run(visit())
    # Without the token, the page says where to give it: under the root path too.
    assert "<code>http://sandbox/sandbox/__sandbox__/?token=TOKEN</code>" in locked.text
    assert given.status_code == 303
    assert given.headers["location"] == "http://sandbox/sandbox/__sandbox__/"
    assert "Path=/sandbox/__sandbox__;" in given.headers["set-cookie"]
    assert 'data-control="http://sandbox/sandbox/__sandbox__"' in page.text  # the dashboard's control URL
    assert 'src="http://sandbox/sandbox/__sandbox__/dashboard.js"' in page.text
    assert index.json()["health_url"] == "http://sandbox/sandbox/__sandbox__/health"
    assert {api["base_url"] for api in index.json()["apis"]} == {
        f"http://sandbox/sandbox{info.prefix}" for info in guarded.apis.values()
    }
