"""The Coursepath app: its operations behind the form folding layer and the shared edge."""

from __future__ import annotations

from starlette.types import ASGIApp

from ..base import VendorContext, build_connexion_app
from .errors import render_error
from .forms import FoldForms
from .handlers import operations


def build(ctx: VendorContext) -> ASGIApp:
    # Form bodies are folded into JSON before Connexion validates them against the JSON schemas.
    return FoldForms(build_connexion_app(ctx=ctx, operations=operations(ctx), render_error=render_error))
