"""The ApprentiScope app: its spec, handlers and error body; trailing slashes accepted."""

from __future__ import annotations

from starlette.types import ASGIApp

from ..base import TrailingSlashMiddleware, VendorContext, build_connexion_app
from .errors import render_error
from .handlers import operations


def build(ctx: VendorContext) -> ASGIApp:
    app = build_connexion_app(ctx=ctx, operations=operations(ctx), render_error=render_error)
    return TrailingSlashMiddleware(app)
