"""ApprentiScope (https://api.apprentiscope.com), served at ``/apprentiscope``."""

from __future__ import annotations

import functools

from starlette.types import ASGIApp

from ..base import (
    AuthMessages,
    KeyAuth,
    SpecMount,
    TrailingSlashMiddleware,
    Vendor,
    VendorContext,
    build_connexion_app,
    load_specs,
)
from .auth import INVALID_TOKEN, MISSING_TOKEN, bare_token
from .errors import render_error
from .handlers import operations
from .seed import seed

SPECS = (SpecMount("apprentiscope.yaml"),)


def build(ctx: VendorContext) -> ASGIApp:
    """The ApprentiScope app: its spec, handlers, token auth and error body; trailing slashes accepted."""
    app = build_connexion_app(
        ctx=ctx,
        specs=load_specs(SPECS),
        operations=operations(ctx),
        render_error=render_error,
        security_map={"apiKey": functools.partial(KeyAuth, ctx.credentials, bare_token)},
        auth_messages=AuthMessages(missing=MISSING_TOKEN, invalid=INVALID_TOKEN),
    )
    return TrailingSlashMiddleware(app)


def _auth_help(token: str) -> dict[str, str]:
    return {"Authorization": token}


VENDOR = Vendor(
    name="apprentiscope",
    title="ApprentiScope",
    prefix="/apprentiscope",
    specs=SPECS,
    default_fixture="apprentiscope/default.yaml",
    default_credentials=("sandbox-apprentiscope-token",),
    auth_help=_auth_help,
    seed=seed,
    build=build,
)
