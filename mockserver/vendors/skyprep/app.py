"""The SkyPrep app: the calls behind the parameter-folding layer, and the pages the calls' links open.

Two pages, under the vendor's prefix, that the doc names no call for: the sign-in page of a login key
(``get_login_key``'s ``url``) and the self-enrollment page that redeems a course's OTP key; and the report
files the report calls link to (``downloads``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ...asgi import route_path, send_body
from ...errors import ModelError
from ...store import VendorData
from ..base import VendorContext, build_connexion_app
from ..locking import with_data
from . import courses, model
from .downloads import Downloads
from .errors import render_error
from .handlers import operations
from .params import FoldParameters

# Where get_login_key's url points (under the vendor's prefix).
LOGIN_PAGE = "/account/login"
# Where a learner redeems an OTP key: ?course_id=...&otp_key=...&user_email=...
ENROLL_PAGE = "/account/enroll"

Page = Callable[[VendorData, Mapping[str, str]], str]
# The status of a page's refusal (an unknown, used or expired key); bad input is a 400 on both.
REFUSED = {LOGIN_PAGE: 401, ENROLL_PAGE: 404}


def build(ctx: VendorContext) -> ASGIApp:
    app = build_connexion_app(ctx=ctx, operations=operations(ctx), render_error=render_error)
    pages = Pages(FoldParameters(app, ctx.index), ctx, {LOGIN_PAGE: sign_in, ENROLL_PAGE: self_enroll})
    return Downloads(pages, ctx)


def sign_in(data: VendorData, query: Mapping[str, str]) -> str:
    """The login key's page: it signs the user in (a one-time key only once)."""
    user = model.redeem_login_key(data, query.get("email", ""), query.get("login_key", ""))
    return f"Signed in to SkyPrep as {user['first_name']} {user['last_name']} ({user['email']})."


def self_enroll(data: VendorData, query: Mapping[str, str]) -> str:
    """The self-enrollment page: a valid OTP key enrolls the user in the course, once."""
    course_id = query.get("course_id", "").strip()
    course = courses.find_course(data, course_id if course_id.isdecimal() else -1)
    user = model.find_user(data, user_email=query.get("user_email") or query.get("email") or "")
    courses.redeem_otp_key(data, course, query.get("otp_key", ""), user)
    return f"{user['email']} is enrolled in {course['name']}."


class Pages:
    """Serves the HTML pages of ``pages`` (path -> page); any other path goes to the API."""

    def __init__(self, app: ASGIApp, ctx: VendorContext, pages: Mapping[str, Page]) -> None:
        self.app = app
        self.ctx = ctx
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        path = path.rstrip("/")
        page = self.pages.get(path)
        if page is None:
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            status, text = 200, with_data(self.ctx, page)(query)
        except ModelError as exc:
            status = 400 if isinstance(exc, ValueError) else REFUSED.get(path, 404)
            text = exc.message
        body = f"<!doctype html><title>SkyPrep</title><h1>{html.escape(text)}</h1>".encode()
        await send_body(send, status, body, "text/html; charset=utf-8")
