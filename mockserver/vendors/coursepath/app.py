"""The Coursepath app: its operations behind the shared edge (built by ``build_vendor_app``)."""

from __future__ import annotations

from starlette.types import ASGIApp

from ..base import VendorContext, build_connexion_app
from .errors import render_error
from .handlers import operations


def build(ctx: VendorContext) -> ASGIApp:
    app: ASGIApp = build_connexion_app(ctx=ctx, operations=operations(ctx), render_error=render_error)
    return app
