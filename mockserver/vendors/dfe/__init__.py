"""UK Apprenticeship Service (DfE), served at ``/apprenticeships`` behind an Azure-APIM-style gateway.

The prefix stands for the host ``https://api.apprenticeships.education.gov.uk``: the Display Advert
API answers under ``/apprenticeships/vacancies/...``, Track Apprenticeship Progress under
``/apprenticeships/apprenticeships/{uln}/{plannedStartDate}/progress``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp

from ...store import VendorData
from ..base import Handler, KeyAuth, SpecMount, Vendor, VendorContext, build_connexion_app, load_specs
from . import advert_handlers, advert_seed, progress_handlers, progress_seed
from .advert_query import CaseInsensitiveQuery, RepeatedQueryParser
from .gateway import (
    DEFAULT_RATE_LIMIT,
    KEY_HEADER,
    ApimGateway,
    GatedApi,
    RateLimiter,
    subscription_name,
    versions_of,
)
from .problems import render_error, render_progress_error

NAME = "dfe"
ADVERT = SpecMount("dfe-display-advert.yaml", "/vacancies")
TRACK_PROGRESS = SpecMount("dfe-track-progress.yaml", "")
SPECS = (ADVERT, TRACK_PROGRESS)


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """The Display Advert data (accounts, subscriptions, vacancies), then the Track Progress data."""
    advert_seed.seed(data, scenario)
    progress_seed.seed(data, scenario)


def operations(ctx: VendorContext) -> dict[str, Handler]:
    return {**advert_handlers.operations(ctx), **progress_handlers.operations(ctx)}


def build(ctx: VendorContext) -> ASGIApp:
    """The DfE app: both documents in one Connexion app, behind the APIM gateway."""
    specs = load_specs(SPECS)
    app = build_connexion_app(
        ctx=ctx,
        specs=specs,
        operations=operations(ctx),
        render_error=render_error,
        security_map={"apiKey": functools.partial(KeyAuth, ctx.credentials)},
        document_errors={ADVERT.base_path: render_error, TRACK_PROGRESS.base_path: render_progress_error},
        uri_parser_class=RepeatedQueryParser,
    )
    # ASP.NET binds query names ignoring case (?pageSize=5): so does the sandbox (advert_query.py).
    app = CaseInsensitiveQuery(app, specs)
    limiter = RateLimiter(ctx.options.rate_limits.get(NAME, DEFAULT_RATE_LIMIT))
    # The limiter's windows are state outside the collections: the control plane's reset clears them.
    ctx.store.on_reset(limiter.reset)
    return ApimGateway(
        app,
        keys=ctx.credentials,
        apis=[GatedApi(base, versions_of(spec)) for base, spec in specs.items()],
        limiter=limiter,
        name_of=functools.partial(subscription_name, ctx.store, NAME),
    )


def _auth_help(key: str) -> dict[str, str]:
    return {KEY_HEADER: key}


VENDOR = Vendor(
    name=NAME,
    title="UK Apprenticeship Service (DfE)",
    prefix="/apprenticeships",
    specs=SPECS,
    default_fixture="dfe/default.yaml",
    default_credentials=("sandbox-subscription-key",),
    auth_help=_auth_help,
    seed=seed,
    build=build,
)
