"""The DfE app: both documents in one Connexion app, told the caller's subscription as APIM tells it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp

from ...store import VendorData
from ..base import Handler, VendorContext, build_connexion_app
from ..locking import serialised
from ..operation import operations_of
from . import ADVERT, NAME, TRACK_PROGRESS, advert_handlers, advert_seed, progress_handlers, progress_seed
from .advert_query import CaseInsensitiveQuery, RepeatedQueryParser
from .gateway import SubscriptionContext, subscription_name
from .problems import render_error, render_progress_error


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """The Display Advert data (accounts, subscriptions, vacancies), then the Track Progress data."""
    advert_seed.seed(data, scenario)
    progress_seed.seed(data, scenario)


def operations(ctx: VendorContext) -> dict[str, Handler]:
    return operations_of(advert_handlers.AdvertHandlers(ctx), progress_handlers.ProgressHandlers(ctx))


def build(ctx: VendorContext) -> ASGIApp:
    app = build_connexion_app(
        ctx=ctx,
        operations=operations(ctx),
        render_error=render_error,
        document_errors={ADVERT.base_path: render_error, TRACK_PROGRESS.base_path: render_progress_error},
        uri_parser_class=RepeatedQueryParser,
    )
    # ASP.NET binds query names ignoring case (?pageSize=5): so does the sandbox (advert_query.py).
    name_of = serialised(ctx.default.store, lambda key: subscription_name(ctx.store, NAME, key))
    return SubscriptionContext(CaseInsensitiveQuery(app, ctx.index), name_of)
