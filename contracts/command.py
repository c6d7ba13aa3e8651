"""``lms-sandbox contract``: the command-line edge of the contract runner."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from .errors import TargetError
from .report import ConsoleReporter, write_junit_xml
from .results import PHASES
from .runner import RunOptions, verify
from .targets import Target, parse_header, sandbox_target, url_target

__all__ = ["Target", "run_contract_command", "target_from_args"]


def target_from_args(args: argparse.Namespace) -> Target:
    headers = dict(parse_header(text) for text in args.header)
    if args.base_url is None:
        if args.allow_writes:
            print("note: --allow-writes only matters with --base-url; the sandbox is always writable")
        if args.rate_limit:
            print("note: --rate-limit only matters with --base-url; the sandbox made for a run has no limit")
        target = sandbox_target(args.api, seed=args.seed)
        if headers or args.credential:
            # Explicit credentials replace the sandbox's own (e.g. to check a wrong token fails).
            given = url_target(args.api, target.base_url, headers=headers, credential=args.credential)
            target = dataclasses.replace(target, headers=given.headers, credential=given.credential)
        return target
    return url_target(
        args.api,
        args.base_url,
        headers=headers,
        credential=args.credential,
        allow_writes=args.allow_writes,
        rate_limit=args.rate_limit,
    )


def run_contract_command(args: argparse.Namespace) -> int:
    """Run the contract the arguments describe; 0 when nothing failed, 1 on failures, 2 on bad usage."""
    try:
        target = target_from_args(args)
        options = RunOptions(
            phases=tuple(args.phases or PHASES),
            max_examples=args.max_examples,
            seed=args.seed,
            light_deprecated=not args.full_deprecated,
        )
    except (TargetError, ValueError) as exc:
        print(f"lms-sandbox contract: {exc}", file=sys.stderr)
        return 2
    # Connexion logs an error for the sandbox's free-form query filters (readUsers); noise in a report.
    logging.getLogger("connexion.decorators.parameter").setLevel(logging.CRITICAL)
    result = verify(target, options, reporter=ConsoleReporter())
    if args.junit_xml is not None:
        write_junit_xml(result, args.junit_xml)
        print(f"JUnit XML written to {args.junit_xml}")
    return result.exit_code
