"""``lms-sandbox coverage``: the consumer coverage of a running ``serve``, as text, JSON, Markdown or HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

from .coverage import Report
from .coverage_render import FORMATS, render
from .errors import SandboxError
from .exposure import control_headers
from .sessions import HEADER, check_name

DEFAULT_URL = "http://127.0.0.1:8000"


class CoverageUnavailable(RuntimeError, SandboxError):
    """The server could not be reached, or did not answer with a report."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print the consumer coverage of a running 'lms-sandbox serve': per API, the documented operations "
        "called, the documented statuses met, the error answers never met and the parameters never sent, "
        "counted since the server started or was last reset (GET /__sandbox__/coverage)."
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the server's root URL (default: {DEFAULT_URL})")
    parser.add_argument("--format", choices=FORMATS, default="term", help="how to print it (default: term)")
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write it to FILE instead of standard output"
    )
    parser.add_argument(
        "--session",
        metavar="NAME",
        help=f"the coverage of session NAME (sent as {HEADER}) instead of the default",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help="the control plane's token, when the server has one (default: LMS_SANDBOX_CONTROL_TOKEN)",
    )
    parser.set_defaults(handler=run)


def fetch(url: str, session: str | None = None, token: str | None = None) -> Report:
    """The report of the server at ``url`` (of ``session`` if given)."""
    headers = control_headers(token)
    if session is not None:
        headers[HEADER] = check_name(session)
    target = f"{url.rstrip('/')}/__sandbox__/coverage"
    try:
        answer = httpx.get(target, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise CoverageUnavailable(
            f"no answer from {target}: {exc}; is 'lms-sandbox serve' running there?"
        ) from None
    if answer.status_code != 200:
        try:
            detail = str(answer.json().get("detail") or answer.text)
        except ValueError:
            detail = answer.text[:200]
        raise CoverageUnavailable(f"{target} answered {answer.status_code}: {detail}")
    return Report.from_json(answer.json())


def run(args: argparse.Namespace) -> int:
    text = render(fetch(args.url, args.session, args.token), args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"coverage written to {args.output}", file=sys.stderr)
    return 0
