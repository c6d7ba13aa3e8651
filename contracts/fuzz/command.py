"""``lms-sandbox fuzz``: the command-line edge of the fuzz driver."""

from __future__ import annotations

import argparse
import sys

from ..runner import SCHEMATHESIS_PHASES
from .driver import FuzzOptions, fuzz
from .report import summary, write_json
from .server import ServerFailed


def options_from_args(args: argparse.Namespace) -> FuzzOptions:
    return FuzzOptions(
        budget=args.budget,
        apis=tuple(args.apis or ()),
        phases=tuple(args.phases) if args.phases else SCHEMATHESIS_PHASES,
        max_examples=args.max_examples,
        seed=args.seed,
        faults=tuple(args.faults),
        validate_responses=args.validate_responses,
        log=args.log,
    )


def run_fuzz_command(args: argparse.Namespace) -> int:
    """Fuzz as the arguments say; 0 when no server error was seen, 1 when one was, 2 on bad usage."""
    try:
        options = options_from_args(args)
    except (LookupError, ValueError) as exc:
        print(f"lms-sandbox fuzz: {exc}", file=sys.stderr)
        return 2
    print(
        f"Fuzzing {', '.join(options.apis) or 'every API'} with a budget of {options.budget:,} requests "
        f"(phases {', '.join(options.phases)}; positive and negative data; seed {options.seed})",
        flush=True,
    )
    try:
        result = fuzz(options, say=lambda line: print(line, flush=True))
    except ServerFailed as exc:
        print(f"lms-sandbox fuzz: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    if args.json is not None:
        write_json(result, args.json)
        print(f"figures written to {args.json}")
    return result.exit_code
