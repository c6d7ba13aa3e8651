"""Argument types of the command line, shared by the commands' parsers: each checks one value."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

import limits

from .vendors import REGISTRY, get_vendor, vendor_names

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(raw: str) -> bool:
    """A boolean as text: 'true', '1', 'yes', 'on' are true; 'false', '0', 'no', 'off' and '' false."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not a boolean; use true or false")


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean environment variable; 'false', '0', 'no' and 'off' are false."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return parse_bool(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a boolean; use true or false") from None


def credential(text: str) -> tuple[str, str]:
    api, sep, value = text.partition("=")
    if not sep or not api or not value:
        raise argparse.ArgumentTypeError(f"expected API=VALUE, e.g. apprentiscope=my-token; got {text!r}")
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    try:
        get_vendor(api).credentials.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{api}: {exc}") from None
    return api, value


def rate_limit(text: str) -> tuple[str, str]:
    api, sep, value = text.partition("=")
    api, value = api.strip(), value.strip().strip("\"'")
    if not sep or not api or not value:
        raise argparse.ArgumentTypeError(f"expected API=LIMIT, e.g. dfe=150/5minutes; got {text!r}")
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    if get_vendor(api).rate_limit is None:
        limited = [name for name, vendor in REGISTRY.items() if vendor.rate_limit is not None]
        raise argparse.ArgumentTypeError(f"{api} has no rate limit; these do: {', '.join(limited)}")
    try:
        limits.parse(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid rate limit {value!r}; write e.g. dfe=150/5minutes or dfe='150 per 5 minutes'"
        ) from None
    return api, value


def webhook(text: str) -> tuple[str, str]:
    """``API=URL``: the URL's form is checked here; where it points, once every option is known
    (``--allow-webhook-host`` may come after it)."""
    from .webhook_targets import InvalidWebhookUrl, parse_target

    api, sep, url = text.partition("=")
    api, url = api.strip(), url.strip()
    sending = [name for name, vendor in REGISTRY.items() if vendor.webhook_events]
    if not sep or not api or not url:
        example = f"{sending[0] if sending else 'api'}=http://127.0.0.1:9000/hook"
        raise argparse.ArgumentTypeError(f"expected API=URL, e.g. {example}; got {text!r}")
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    if api not in sending:
        raise argparse.ArgumentTypeError(f"{api} sends no webhooks; these do: {', '.join(sending) or 'none'}")
    try:
        parse_target(url)
    except InvalidWebhookUrl as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return api, url


def fault(text: str) -> str:
    """A ``--fault`` value, checked: its syntax, kind and values, and that the API exists."""
    from .faults import InvalidFault, parse_fault

    try:
        api = parse_fault(text).api
    except InvalidFault as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    return text


def _whole(text: str, least: int) -> int:
    """A whole number, at least ``least``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def positive(text: str) -> int:
    """A whole number, at least 1."""
    return _whole(text, 1)


def size(text: str) -> int:
    from .bounds import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seconds(text: str) -> float:
    """A positive number of seconds (``serve --session-ttl``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive, finite number of seconds, got {text!r}")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more (``serve --session-limit``)."""
    return _whole(text, 0)


def add_api_option(parser: argparse.ArgumentParser, verb: str, add: Callable[..., Any] | None = None) -> None:
    """``--api NAME``, repeatable, into ``apis``: the command ``verb``s only the APIs named (``add``:
    what adds it, ``parser.add_argument`` by default)."""
    (add or parser.add_argument)(
        "--api",
        action="append",
        choices=vendor_names(),
        dest="apis",
        metavar="NAME",
        help=f"{verb} only this API (repeatable; default all: {', '.join(vendor_names())})",
    )


def add_fault_option(
    parser: argparse.ArgumentParser, help: str, add: Callable[..., Any] | None = None
) -> None:
    """``--fault API[:OP]=KIND[,KEY:VALUE...]``, repeatable, each checked, into ``faults``."""
    (add or parser.add_argument)(
        "--fault",
        action="append",
        type=fault,
        default=[],
        metavar="API[:OP]=KIND[,KEY:VALUE...]",
        dest="faults",
        help=help,
    )
