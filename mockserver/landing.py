"""The landing answer: what the sandbox serves, at ``/`` and at ``/__sandbox__/``.

``GET /`` (where no API owns ``/``: not under ``serve --api X --root``), ``GET /__sandbox__`` and
``GET /__sandbox__/`` answer an index of the APIs: names, titles, base URLs, credentials and the
headers to send, links to each OpenAPI document and Swagger UI, the control plane and health.

- **JSON or HTML, by ``Accept``.** HTML when the client ranks ``text/html`` above ``application/json``
  (browsers do); JSON otherwise, so ``curl`` (``Accept: */*``), httpx and a client sending no
  ``Accept`` get JSON.
- **Reachable URLs.** Every URL starts with the base URL the client used: scheme, ``Host`` and the
  root path outside the sandbox (``asgi.base_url``).
- **No more than the control plane gives away.** With a control token (``serve`` bound beyond
  loopback, or one given), credentials and credential headers are listed only to a request carrying
  the token, as ``/__sandbox__/apis`` lists them; without it, the index says where they are.

``index_document`` is the data, ``render_html`` the page: a dashboard under ``/__sandbox__/`` can build
on both.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from . import __version__
from .asgi import base_url, header, route_path, send_body, send_problem
from .auth_text import credential_lines
from .control import CONTROL_PREFIX
from .exposure import TOKEN_HEADER, offers_token

if TYPE_CHECKING:
    from .options import SandboxOptions

# What an API's entry holds only for a client the control plane would answer: credentials and the
# headers that carry them.
SECRET_FIELDS = ("credentials", "auth", "headers")
ALLOW = "GET, HEAD"


class Listed(Protocol):
    """What the index needs of the app it describes (``mockserver.app.Sandbox`` is one)."""

    options: SandboxOptions

    def api_list(self, base_url: str = "") -> list[dict[str, Any]]: ...


def index_document(apis: Iterable[dict[str, Any]], base: str, *, token: bool, shown: bool) -> dict[str, Any]:
    """The index: ``apis`` (``Sandbox.api_list`` entries for ``base``), the control plane and health.

    Args:
        apis: the served APIs' entries, their URLs under ``base``.
        base: the base URL the client used.
        token: whether the control plane needs a token.
        shown: whether credentials are listed (else taken out of every entry).
    """
    control = f"{base}{CONTROL_PREFIX}"
    return {
        "name": "lms-sandbox",
        "version": __version__,
        "base_url": base,
        "apis": [api if shown else {k: v for k, v in api.items() if k not in SECRET_FIELDS} for api in apis],
        "credentials_shown": shown,
        "control_plane": {
            "url": control,
            "docs_url": f"{control}/ui/",
            "spec_url": f"{control}/openapi.json",
            "apis_url": f"{control}/apis",
            "token_required": token,
        },
        "health_url": f"{control}/health",
    }


def _quality(accept: str, wanted: str) -> float:
    """How much ``accept`` (an ``Accept`` value) wants the media type ``wanted``: the q of its most
    specific matching range (type/subtype, type/*, */*), 0 where none matches."""
    kind = wanted.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        specificity = {wanted: 2, f"{kind}/*": 1, "*/*": 0}.get(media.lower())
        if specificity is None or specificity < best[0]:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        best = (specificity, q)
    return best[1]


def wants_html(accept: str | None) -> bool:
    """Whether a client sending ``accept`` gets the HTML page: it ranks text/html above application/json."""
    if not accept:
        return False
    return _quality(accept, "text/html") > _quality(accept, "application/json")


def _link(url: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(url)}</a>'


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _row(term: str, *definitions: str) -> str:
    return f"<dt>{html.escape(term)}</dt>" + "".join(f"<dd>{d}</dd>" for d in definitions)


def api_section(api: dict[str, Any], lines: Callable[[dict[str, Any]], list[str]]) -> str:
    rows: list[str] = []
    for spec in api["specs"]:
        named = f" ({spec['file']})" if len(api["specs"]) > 1 else ""
        rows += [
            _row(f"Base URL{named}", _link(spec["base_url"])),
            _row(f"Swagger UI{named}", _link(spec["docs_url"])),
            _row(f"OpenAPI document{named}", _link(spec["spec_url"])),
        ]
    if "auth" in api:
        rows.append(_row("Credentials", *map(_code, lines(api))))
        if len(api["credentials"]) > 1:
            rows.append(_row("Also accepted", *map(_code, api["credentials"][1:])))
    if api.get("client_headers"):
        rows.append(_row("Headers", *(_code(f"{k}: {v}") for k, v in api["client_headers"].items())))
    if "xml" in api.get("formats", ()):
        rows.append(_row("Formats", html.escape(", ".join(api["formats"]))))
    name = html.escape(api["name"])
    return (
        f'<section aria-labelledby="api-{name}">\n<h2 id="api-{name}">{html.escape(api["title"])} '
        f"<small>{_code(api['name'])}</small></h2>\n<dl>{''.join(rows)}</dl>\n</section>"
    )


_STYLE = (
    "body{font:16px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}"
    "dd{margin:0;grid-column:2}code{background:#f3f3f3;padding:0 .25rem;overflow-wrap:anywhere}"
)


def withheld_note(document: dict[str, Any]) -> str:
    """The paragraph saying where the credentials are, when ``document`` lists none (else empty)."""
    if document["credentials_shown"]:
        return ""
    return (
        "<p>Credentials are listed only with the control token: send "
        f"{_code('Authorization: Bearer <token>')} or {_code(f'{TOKEN_HEADER}: <token>')}.</p>"
    )


def render_html(document: dict[str, Any]) -> str:
    """The index as a small page; every value from the document escaped."""
    control = document["control_plane"]
    base = document["base_url"]
    withheld = withheld_note(document)
    sections = "\n".join(api_section(api, credential_lines) for api in document["apis"])
    rows = [
        _row("Swagger UI", _link(control["docs_url"])),
        _row("OpenAPI document", _link(control["spec_url"])),
        _row("Health", _link(document["health_url"])),
    ]
    if control["token_required"]:
        rows.append(_row("Token", "every call but health needs the control token"))
    count = len(document["apis"])
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>lms-sandbox</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>lms-sandbox</h1>\n<p>Version {html.escape(document['version'])}, serving "
        f"{count} API{'' if count == 1 else 's'} at {_link(base)}. As JSON (what curl gets): "
        f"{_code(f'curl {base}/')}.</p>\n{withheld}\n</header>\n<main>\n{sections}\n"
        f'<section aria-labelledby="control">\n<h2 id="control">Control plane '
        f"<small>{_code(CONTROL_PREFIX)}</small></h2>\n<dl>{''.join(rows)}</dl>\n</section>\n"
        "</main>\n</body>\n</html>\n"
    )


class Landing:
    """ASGI layer answering the index at ``paths`` (under its mount) in front of ``app``.

    Args:
        app: what answers every other path.
        sandbox: the app the index describes.
        paths: the paths (as the layer's routes see them) that answer the index.
        mount: the prefix this layer is mounted under (``/__sandbox__``), taken off the base URL.
        page: the HTML page for the document (``render_html``; the dashboard under ``/__sandbox__``).
    """

    def __init__(
        self,
        app: ASGIApp,
        sandbox: Listed,
        paths: tuple[str, ...],
        mount: str = "",
        page: Callable[[dict[str, Any]], str] = render_html,
    ) -> None:
        self.app = app
        self.page = page
        self.sandbox = sandbox
        self.paths = frozenset(paths)
        self.mount = mount

    def document(self, scope: Scope) -> dict[str, Any]:
        """The index as the request in ``scope`` may see it."""
        token = self.sandbox.options.control_token
        base = base_url(scope, self.mount)
        shown = token is None or offers_token(scope, token)
        return index_document(self.sandbox.api_list(base), base, token=token is not None, shown=shown)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope) not in self.paths:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            detail = f"the index answers {ALLOW} only"
            await send_problem(send, 405, "Method Not Allowed", detail, {"Allow": ALLOW})
            return
        document = self.document(scope)
        accept = header(scope, b"accept")
        page = wants_html(accept.decode("latin-1") if accept else None)
        body = self.page(document).encode() if page else json.dumps(document).encode()
        kind = "text/html; charset=utf-8" if page else "application/json"
        # Credentials may be in it: no cache keeps it; the same URL answers two formats.
        headers = {"Vary": "Accept, Authorization, X-Sandbox-Token", "Cache-Control": "no-store"}
        await send_body(send, 200, body, kind, headers, head=scope["method"] == "HEAD")


__all__ = ["Landing", "api_section", "index_document", "render_html", "wants_html", "withheld_note"]
