"""``lms-sandbox fuzz``: the command-line edge of the fuzz driver."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mockserver import arguments

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
        corpus=args.corpus,
    )


def configure(fuzz: argparse.ArgumentParser) -> None:
    """The options of ``lms-sandbox fuzz`` (its one-line summary is in ``mockserver.cli``)."""
    fuzz.description = (
        "Start 'lms-sandbox serve' on 127.0.0.1 and a free port (rate limits raised, its output "
        "in --log), then run Schemathesis' examples, coverage, fuzzing and stateful phases with positive "
        "and negative data against every spec document of every API, each with its own credentials (a "
        "fresh signed token per request, a login token fetched again on a 401). The budget is shared among "
        "the documents by their number of operations; after the first round, fuzzing and stateful run "
        "again with the next seed until a document's share is sent. Prints requests and statuses per "
        "API and the curl of every answer >= 500; exits 1 on any answer >= 500, any request left "
        "unanswered and any traceback in the server log, else 0. No other check decides: that is "
        "'lms-sandbox contract'. After Schemathesis, the hostile-input corpus (contracts.fuzz.hostile) "
        "goes over the same socket: deep nesting, huge and non-finite numbers, invalid and odd Unicode, "
        "wrong content types, a 1 MiB query, a 100 KiB path, 64 KiB and 500 headers, malformed framing; "
        "it fails the run on any answer >= 500 or unanswered, or a state export that is not valid JSON."
    )
    fuzz.epilog = "Example: lms-sandbox fuzz --budget 5000 --api absorb --seed 3"
    fuzz.add_argument(
        "--budget",
        type=int,
        default=50_000,
        metavar="N",
        help="requests to send in total (default 50000)",
    )
    arguments.add_api_option(fuzz, "fuzz")
    fuzz.add_argument(
        "--phase",
        action="append",
        dest="phases",
        choices=SCHEMATHESIS_PHASES,
        metavar="PHASE",
        help="run only this phase (repeatable): examples, coverage, fuzzing, stateful (default: all)",
    )
    fuzz.add_argument(
        "--max-examples",
        type=int,
        default=25,
        metavar="N",
        help="examples per operation and per stateful run, in each round (default 25)",
    )
    fuzz.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the first round: the same seed, the same run",
    )
    arguments.add_fault_option(
        fuzz,
        "pass a fault to serve (as serve --fault), e.g. apprentiscope=status:500 to watch the run fail",
    )
    fuzz.add_argument(
        "--validate-responses",
        action="store_true",
        help="serve with --validate-responses: an answer against the spec becomes a 500, and fails the run",
    )
    fuzz.add_argument(
        "--log",
        type=Path,
        default=Path(".fuzz/server.log"),
        metavar="FILE",
        help="the server's output (default .fuzz/server.log); scanned for tracebacks after the run",
    )
    fuzz.add_argument(
        "--no-corpus",
        action="store_false",
        dest="corpus",
        help="skip the hostile-input corpus sent after Schemathesis (see below)",
    )
    fuzz.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the run's figures to FILE as JSON"
    )
    fuzz.set_defaults(handler=run_fuzz_command)


def _fuzz(args: argparse.Namespace) -> int:
    from contracts.fuzz.command import run_fuzz_command

    return run_fuzz_command(args)


def _contract(args: argparse.Namespace) -> int:
    from contracts.command import run_contract_command

    return run_contract_command(args)


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
