"""Serving beyond localhost: the control plane's token, what counts as loopback, what clients send.

Bound to anything but a loopback address, ``serve`` makes every control-plane request carry a token
(generated and printed in the banner unless one is given), whoever sends it; only
``GET /__sandbox__/health`` stays open, for health checks. A token given explicitly
(``--control-token``, ``LMS_SANDBOX_CONTROL_TOKEN``, ``SandboxOptions.control_token``) applies on
loopback too. Clients send it as ``Authorization: Bearer <token>`` or ``X-Sandbox-Token: <token>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import header, route_path, send_json

CONTROL_TOKEN_ENV = "LMS_SANDBOX_CONTROL_TOKEN"
TOKEN_HEADER = "X-Sandbox-Token"
# The dashboard's cookie (mockserver.dashboard): the token a browser was given once as ``?token=``.
TOKEN_COOKIE = "lms_sandbox_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Open without a token: health checks (load balancers, CI service containers) carry none.
OPEN = frozenset({("GET", "/health"), ("HEAD", "/health")})
REALM = 'Bearer realm="lms-sandbox control plane"'


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A fresh control-plane token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def control_headers(token: str | None = None) -> dict[str, str]:
    """The headers a client of the control plane sends: ``token``, else ``LMS_SANDBOX_CONTROL_TOKEN``'s
    value; none when there is neither (a sandbox on loopback without a token takes none)."""
    token = token or os.environ.get(CONTROL_TOKEN_ENV, "").strip() or None
    return {"Authorization": f"Bearer {token}"} if token else {}


def _sent(scope: Scope) -> list[bytes]:
    """Every token the request offers: ``Authorization: Bearer ...`` and ``X-Sandbox-Token``."""
    found = []
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, rest = value.strip().partition(b" ")
            if scheme.lower() == b"bearer":
                found.append(rest.strip())
        elif name == TOKEN_HEADER.lower().encode():
            found.append(value.strip())
    return found


def token_matches(given: str | bytes, token: str | bytes) -> bool:
    """Whether ``given`` is ``token``, compared in constant time."""
    sent = given.encode() if isinstance(given, str) else given
    return hmac.compare_digest(sent, token.encode() if isinstance(token, str) else token)


def _cookie(scope: Scope) -> bytes | None:
    """The dashboard cookie's value, if the request sends it."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            sent: bytes = value
            for pair in sent.split(b";"):
                key, _, found = pair.strip().partition(b"=")
                if key == TOKEN_COOKIE.encode():
                    return unquote_to_bytes(found.strip())  # the dashboard percent-encodes it
    return None


def same_origin(scope: Scope) -> bool:
    """Whether the request's ``Origin`` is the scheme and ``Host`` it was sent to (a page this sandbox
    served); a request without ``Origin`` is not."""
    origin, host = header(scope, b"origin"), header(scope, b"host")
    return (
        origin is not None
        and host is not None
        and origin == f"{scope.get('scheme', 'http')}://".encode() + host
    )


def carries_cookie(scope: Scope, token: str | bytes) -> bool:
    """Whether the request's dashboard cookie holds ``token`` and, for a request that changes something
    (not GET, HEAD or OPTIONS), it comes from a page of this sandbox (``same_origin``): a cookie goes with
    every request the browser sends, a header does not."""
    cookie = _cookie(scope)
    if cookie is None or not token_matches(cookie, token):
        return False
    return scope.get("method") in SAFE_METHODS or same_origin(scope)


def carries_token(scope: Scope, token: str | bytes) -> bool:
    """Whether the request offers ``token`` (``Authorization: Bearer`` or ``X-Sandbox-Token``)."""
    expected = token.encode() if isinstance(token, str) else token
    # Constant time per comparison: the answer's timing tells nothing about the token.
    return any(hmac.compare_digest(sent, expected) for sent in _sent(scope))


def offers_token(scope: Scope, token: str | bytes) -> bool:
    """Whether the request offers ``token`` as the control plane takes it: a header, or the dashboard's
    cookie (``carries_cookie``)."""
    return carries_token(scope, token) or carries_cookie(scope, token)


class ControlToken:
    """ASGI layer of the control plane: a request without the token gets a 401 problem.

    Args:
        app: the control plane.
        token: the token every request must carry.
        render: the control plane's error body, ``(status, message) -> body``.
    """

    def __init__(self, app: ASGIApp, token: str, render: Callable[[int, str], Any]) -> None:
        if not token:
            raise ValueError("a control-plane token must not be empty")
        self.app = app
        self.token = token.encode()
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or (scope["method"], route_path(scope)) in OPEN
            or offers_token(scope, self.token)
        ):
            await self.app(scope, receive, send)
            return
        message = (
            "the control plane needs its token: send Authorization: Bearer <token> "
            f"or {TOKEN_HEADER}: <token> (serve printed it, or it was given with --control-token "
            f"or {CONTROL_TOKEN_ENV})"
        )
        await send_json(
            send,
            401,
            self.render(401, message),
            {"WWW-Authenticate": REALM},
            content_type="application/problem+json",
        )


__all__ = [
    "CONTROL_TOKEN_ENV",
    "TOKEN_COOKIE",
    "TOKEN_HEADER",
    "ControlToken",
    "carries_cookie",
    "carries_token",
    "control_headers",
    "is_loopback",
    "new_token",
    "offers_token",
    "same_origin",
    "token_matches",
]
