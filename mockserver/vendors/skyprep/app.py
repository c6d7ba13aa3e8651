"""The SkyPrep app: the calls behind the parameter-folding layer, and the sign-in page of login keys."""

from __future__ import annotations

import html
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ...errors import ModelError
from ..base import VendorContext, build_connexion_app
from . import model
from .errors import render_error
from .handlers import operations
from .params import FoldParameters

# Where get_login_key's url points (under the vendor's prefix): the doc names no call for it.
LOGIN_PAGE = "/account/login"


def build(ctx: VendorContext) -> ASGIApp:
    app = build_connexion_app(ctx=ctx, operations=operations(ctx), render_error=render_error)
    return LoginPage(FoldParameters(app, ctx.specs), ctx)


class LoginPage:
    """Serves the page a login key's URL opens: it signs the user in (a one-time key only once)."""

    def __init__(self, app: ASGIApp, ctx: VendorContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"][len(scope.get("root_path", "")) :] if scope["type"] == "http" else ""
        if path.rstrip("/") != LOGIN_PAGE:
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            with self.ctx.store.locked():
                user = model.redeem_login_key(
                    self.ctx.data, query.get("email", ""), query.get("login_key", "")
                )
            status, text = (
                200,
                f"Signed in to SkyPrep as {user['first_name']} {user['last_name']} ({user['email']}).",
            )
        except ModelError as exc:
            status, text = 401, exc.message
        body = f"<!doctype html><title>SkyPrep</title><h1>{html.escape(text)}</h1>".encode()
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
