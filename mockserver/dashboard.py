"""The dashboard: a page to watch and steer the sandbox, at ``/__sandbox__/`` for browsers.

- **The page.** ``GET /__sandbox__/`` for a client ranking ``text/html`` first (a browser) answers a
  server-rendered page (``render_dashboard``, from the landing index's document) plus one static script
  and one stylesheet shipped in the package (``mockserver/dashboard_static/``, in the wheel; no build
  step, no CDN). The script talks to the control plane with ``fetch``: the journal (polled), state,
  faults, the clock, webhooks, coverage, snapshots, sessions, and each "Copy as curl" (a fresh command
  from ``POST /__sandbox__/apis/{api}/curl``, ``mockserver.curls``, when clicked). ``curl`` and API
  clients still get the JSON index (``mockserver.landing``).
- **The token, for a browser.** A browser cannot add a header to a page load, so when the control plane
  needs a token it is given once as ``?token=``: a right one is kept in an HttpOnly, SameSite=Strict
  cookie (Path: the control plane) and the browser is sent to the page without it; a wrong one gets a
  401. ``mockserver.exposure`` accepts the cookie, and checks ``Origin`` on the requests that change
  something.
"""

from __future__ import annotations

import html
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import base_url, route_path, send_body, send_problem
from .auth_text import credential_lines
from .control import CONTROL_PREFIX
from .exposure import TOKEN_COOKIE, token_matches
from .landing import api_section, withheld_note

ASSETS = {"/dashboard.js": "text/javascript; charset=utf-8", "/dashboard.css": "text/css; charset=utf-8"}
PAGE_PATHS = frozenset({"", "/"})


def _asset(name: str) -> bytes:
    return resources.files(__package__ or "mockserver").joinpath("dashboard_static", name).read_bytes()


def _api_card(api: dict[str, Any], control: str) -> str:
    """The landing index's section of ``api`` and its "Copy as curl": a fresh command the script fetches
    from ``POST /apis/{api}/curl`` when clicked (a signed token cannot be rendered into the page)."""
    name = html.escape(api["name"])
    curl = (
        f'<div class="curl" data-api="{name}"><button type="button" class="copy">Copy as curl</button>'
        '<pre hidden><code></code></pre><p class="note muted" hidden></p><noscript><p>Without JavaScript: '
        f"<code>curl -X POST {control}/apis/{name}/curl</code> answers the command.</p></noscript></div>"
    )
    return api_section(api, credential_lines).replace("</section>", f"{curl}</section>")


_SECTIONS = (
    ("journal", "Journal"),
    ("state", "State"),
    ("faults", "Faults"),
    ("clock", "Clock"),
    ("webhooks", "Webhooks and outbox"),
    ("coverage", "Coverage"),
    ("snapshots", "Snapshots"),
)


def render_dashboard(document: dict[str, Any]) -> str:
    """The dashboard page for the landing ``document``: the APIs rendered here, every other section an
    empty ``<section>`` the script fills (its templates are in the script); every value escaped."""
    control = html.escape(document["control_plane"]["url"])
    apis = "\n".join(_api_card(api, control) for api in document["apis"])
    withheld = withheld_note(document)
    locked = ""
    if withheld:
        withheld += f"<p>In a browser: open this page once as <code>{control}/?token=TOKEN</code>.</p>"
        locked = " data-locked"  # the script fetches nothing: every call would be a 401
    sections = "\n".join(
        f'<section id="{key}" aria-labelledby="{key}-h"><h2 id="{key}-h">{title}</h2>'
        f'<div class="body" aria-live="polite"></div></section>'
        for key, title in _SECTIONS
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>lms-sandbox dashboard</title>\n"
        # No icon to fetch: a browser would ask for /favicon.ico, a 404 (an error in its console).
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{control}/dashboard.css">\n'
        f'<script defer src="{control}/dashboard.js"></script>\n</head>\n'
        f'<body data-control="{control}"{locked}>\n<header><h1>lms-sandbox '
        f'<small>{html.escape(document["version"])}</small></h1>\n<nav aria-label="Sections"><ul>'
        + "".join(f'<li><a href="#{k}">{t}</a></li>' for k, t in (("apis", "APIs"), *_SECTIONS))
        + '</ul></nav>\n<form id="session-form"><label for="session">Session (X-Sandbox-Session)</label> '
        '<input id="session" name="session" list="sessions" placeholder="default"><datalist id="sessions">'
        '</datalist> <button type="submit">Use</button> '
        '<button type="button" id="reset">Reset</button></form>'
        f'\n<p id="status" role="status"></p>{withheld}</header>\n<main>\n'
        f'<section id="apis" aria-labelledby="apis-h"><h2 id="apis-h">APIs</h2>{apis}</section>\n'
        f'{sections}\n</main>\n<footer><a href="{control}/health">Health</a> '
        f'<a href="{control}/ui/">Control plane (Swagger UI)</a></footer>\n</body>\n</html>\n'
    )


class Dashboard:
    """ASGI layer under ``/__sandbox__`` in front of the landing index: the script and stylesheet, and
    ``?token=`` on the page (kept as a cookie); every other request goes on to ``app``.

    Args:
        app: the landing index in front of the control plane.
        token: the control plane's token, ``None`` when it needs none.
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else None
        if path in ASSETS and scope["method"] in ("GET", "HEAD"):
            headers = {"Cache-Control": "no-cache"}
            await send_body(
                send, 200, _asset(path[1:]), ASSETS[path], headers, head=scope["method"] == "HEAD"
            )
            return
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        if path not in PAGE_PATHS or not given or scope["method"] != "GET" or self.token is None:
            await self.app(scope, receive, send)
            return
        if not token_matches(given[0], self.token):
            await send_problem(send, 401, "Unauthorized", "the token given is not the control plane's")
            return
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        path = scope.get("root_path", "") or CONTROL_PREFIX
        # Percent-encoded: a token of the user's own may hold a ';', a space or a non-ASCII letter.
        cookie = f"{TOKEN_COOKIE}={quote(given[0], safe='')}; Path={path}; HttpOnly; SameSite=Strict{secure}"
        location = f"{base_url(scope, CONTROL_PREFIX)}{CONTROL_PREFIX}/"
        headers = {"Location": location, "Set-Cookie": cookie, "Cache-Control": "no-store"}
        await send_body(send, 303, b"", "text/plain", headers)


__all__ = ["Dashboard", "render_dashboard"]
