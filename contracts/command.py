"""``lms-sandbox contract``: the command-line edge of the contract runner.

One API runs in this process. Several (or ``all``) run in parallel processes, each against its own
in-process sandbox and with the same seed, so each API's run replays alone exactly as it ran here;
their reports are printed whole as each finishes, then one line per API.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from io import StringIO
from pathlib import Path

from mockserver.vendors import vendor_names

from .documents import load_contract
from .errors import TargetError
from .report import ConsoleReporter, write_junit_xml
from .results import PHASES, ContractResult
from .runner import RunOptions, verify
from .targets import Target, parse_header, sandbox_target, url_target

__all__ = ["Target", "configure", "run_contract_command", "target_from_args"]


def target_from_args(args: argparse.Namespace, api: str | None = None) -> Target:
    api = api or _apis(args)[0]
    headers = dict(parse_header(text) for text in args.header)
    if args.base_url is None:
        if args.allow_writes:
            print("note: --allow-writes only matters with --base-url; the sandbox is always writable")
        if args.rate_limit:
            print("note: --rate-limit only matters with --base-url; the sandbox made for a run has no limit")
        target = sandbox_target(api, seed=args.seed)
        if headers or args.credential:
            # Explicit credentials replace the sandbox's own (e.g. to check a wrong token fails).
            given = url_target(api, target.base_url, headers=headers, credential=args.credential)
            target = dataclasses.replace(target, headers=given.headers, credential=given.credential)
        return target
    return url_target(
        api,
        args.base_url,
        headers=headers,
        credential=args.credential,
        allow_writes=args.allow_writes,
        rate_limit=args.rate_limit,
    )


def _apis(args: argparse.Namespace) -> list[str]:
    named = [args.api] if isinstance(args.api, str) else list(args.api)
    if "all" in named:
        return list(vendor_names())
    return list(dict.fromkeys(named))


def _options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        phases=tuple(args.phases or PHASES),
        max_examples=args.max_examples,
        seed=args.seed,
        light_deprecated=not args.full_deprecated,
        fail_on_unreached=bool(getattr(args, "fail_on_unreached", False)),
        time_budget=getattr(args, "budget", None),
        auth_status=getattr(args, "auth_status", None),
    )


# What a whole parallel run may take by default: P5, every API's contract in two minutes.
DEFAULT_BUDGET = 120.0
# Processes never pack perfectly: each API's share leaves this much of the cores' time free.
PACKING = 0.85
FLOOR = 0.25


def _weight(api: str, light_deprecated: bool) -> float:
    """An API's share of a parallel run's time: its operations, a deprecated twin as a fifth."""
    weight = 0.0
    for document in load_contract(api).documents:
        for _, _, operation in document.operations():
            weight += 0.2 if light_deprecated and operation.get("deprecated") else 1.0
    return max(weight, 1.0)


def budgets(apis: Sequence[str], total: float, jobs: int, light_deprecated: bool = True) -> dict[str, float]:
    """Each API's time budget in a parallel run of ``total`` seconds on ``jobs`` processes.

    The processes' time (``total`` x ``jobs``, less what packing loses) is shared by operation count;
    no API gets less than a quarter of the run (a small API's workflow still needs its time) nor more
    than the whole run.
    """
    weights = {api: _weight(api, light_deprecated) for api in apis}
    pool = total * min(jobs, len(apis)) * PACKING
    whole = sum(weights.values())
    return {api: min(total, max(total * FLOOR, pool * weight / whole)) for api, weight in weights.items()}


def _quiet_connexion() -> None:
    # Connexion logs an error for the sandbox's free-form query filters (readUsers); noise in a report.
    logging.getLogger("connexion.decorators.parameter").setLevel(logging.CRITICAL)


def configure(contract: argparse.ArgumentParser) -> None:
    """The options of ``lms-sandbox contract`` (its one-line summary is in ``mockserver.cli``)."""
    contract.description = (
        "Run an API's contract (Schemathesis examples, coverage, fuzzing and link-following "
        "stateful phases, the vendor's error/pagination checks, every credential mistake (auth), and "
        "its workflow model) against the in-process sandbox, or against any implementation with "
        "--base-url. Prints a per-operation table (requests, 2xx, 4xx and 5xx answers, the phases "
        "that reached it), the operations no request reached with a 2xx, and the curl of every "
        "failure; exits 0 only when nothing failed. "
        "Several APIs (or 'all') run in parallel processes against their own sandboxes, one report."
    )
    contract.epilog = (
        "Examples: lms-sandbox contract all --junit-xml reports/contract.xml; "
        "lms-sandbox contract apprentiscope --base-url https://staging.example.com/apprentiscope "
        '--header "Authorization: $TOKEN" (double quotes, so the shell puts the token in)'
    )
    contract.add_argument(
        "api",
        nargs="+",
        choices=[*vendor_names(), "all"],
        metavar="API",
        help=f"the API(s) to verify: {', '.join(vendor_names())}, or all",
    )
    contract.add_argument(
        "--base-url",
        metavar="URL",
        help="root of the implementation to verify (e.g. http://127.0.0.1:8000/apprentiscope); "
        "default: a fresh in-process sandbox",
    )
    contract.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="header sent with every request, e.g. credentials (repeatable); "
        "default with the sandbox: its own credentials",
    )
    contract.add_argument(
        "--credential",
        metavar="VALUE",
        help="the credential, sent the way the API's scheme says (query or body fields, a login call, a "
        "token signed per request): VALUE for a one-field scheme, else field=value,...; "
        "default with the sandbox: its own",
    )
    contract.add_argument(
        "--allow-writes",
        action="store_true",
        help="with --base-url, also run operations that write (POST, PUT, PATCH, DELETE); "
        "without it only GET/HEAD/OPTIONS are sent",
    )
    contract.add_argument(
        "--rate-limit",
        metavar="RATE",
        help="with --base-url, send at most RATE requests (N/s, N/m, N/h or N/d; DfE: 30/m, its 150 per "
        "5 minutes) and wait out any 429 by its Retry-After; 'auto' only waits out 429s",
    )
    contract.add_argument("--junit-xml", type=Path, metavar="FILE", help="write a JUnit XML report to FILE")
    contract.add_argument(
        "--max-examples",
        type=int,
        default=25,
        metavar="N",
        help="generated examples per operation (default 25)",
    )
    contract.add_argument(
        "--full-deprecated",
        action="store_true",
        help="test operations the spec marks deprecated as hard as the others; by default they get a "
        "fifth of the generated examples and no coverage phase (SkyPrep's GET twins of its POST calls)",
    )
    contract.add_argument(
        "--fail-on-unreached",
        action="store_true",
        help="fail the run when an operation got no 2xx answer in any phase (by default such operations "
        "are listed as unreached)",
    )
    contract.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        help="time the run may take: the Schemathesis phases stop where they are once it is spent, "
        "leaving a fifth for the workflow; with several APIs, the whole run's time (default 120), "
        "shared among them by their number of operations",
    )
    contract.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="write each API's verdict, seconds, requests and unreached operations to FILE as JSON",
    )
    contract.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="with several APIs, run at most N at once, each in its own process (default: one per core)",
    )
    contract.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed: the same seed replays the same run"
    )
    contract.add_argument(
        "--phase",
        action="append",
        dest="phases",
        choices=PHASES,
        metavar="PHASE",
        help="run only this phase (repeatable): examples, coverage, fuzzing, stateful, auth (every "
        "operation accepted earlier, sent again with each credential mistake), workflow (default: all)",
    )
    contract.add_argument(
        "--auth-status",
        type=int,
        metavar="N",
        help="with --base-url, the status the implementation refuses wrong or missing credentials with "
        "(the auth phase); default: any status the operation documents for them, or any 4xx",
    )
    contract.set_defaults(handler=run_contract_command)


def run_contract_command(args: argparse.Namespace) -> int:
    """Run the contract the arguments describe; 0 when nothing failed, 1 on failures, 2 on bad usage."""
    apis = _apis(args)
    try:
        options = _options(args)
        if len(apis) > 1 and (args.base_url or args.header or args.credential):
            raise TargetError(
                "--base-url, --header and --credential name one API's implementation: give one API with them"
            )
        target = target_from_args(args, apis[0]) if len(apis) == 1 else None
    except (TargetError, ValueError) as exc:
        print(f"lms-sandbox contract: {exc}", file=sys.stderr)
        return 2
    _quiet_connexion()
    if target is not None:
        results = [verify(target, options, reporter=ConsoleReporter())]
    else:
        results = _run_in_parallel(apis, options, args.jobs or os.cpu_count() or 1)
    if getattr(args, "json", None) is not None:
        _write_json(results, args.json)
    if args.junit_xml is not None:
        write_junit_xml(results, args.junit_xml)
        print(f"JUnit XML written to {args.junit_xml}")
    return 0 if all(result.ok for result in results) else 1


def _run_one(api: str, options: RunOptions) -> tuple[ContractResult, float, str]:
    """One API's contract against a fresh in-process sandbox, in a worker process: result, seconds, report."""
    _quiet_connexion()
    started = time.monotonic()
    out = StringIO()
    result = verify(sandbox_target(api, seed=options.seed), options, reporter=ConsoleReporter(out, tty=False))
    return result, time.monotonic() - started, out.getvalue()


def _run_in_parallel(apis: Sequence[str], options: RunOptions, jobs: int) -> list[ContractResult]:
    started = time.monotonic()
    total = options.time_budget if options.time_budget is not None else DEFAULT_BUDGET
    shares = budgets(apis, total, jobs, options.light_deprecated)
    print(
        f"Contracts of {', '.join(apis)} in {min(jobs, len(apis))} parallel process(es), "
        f"seed {options.seed}; "
        f"time budget {total:.0f} s: "
        + ", ".join(f"{api} {seconds:.0f} s" for api, seconds in shares.items())
    )
    done: dict[str, tuple[ContractResult, float]] = {}
    # spawn: a fresh interpreter per worker, never a fork of a process that may hold threads.
    context = multiprocessing.get_context("spawn")
    # The largest share first, so the small ones fill in around it.
    order = sorted(apis, key=lambda api: -shares[api])
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(apis))), mp_context=context) as pool:
        futures = {
            pool.submit(_run_one, api, dataclasses.replace(options, time_budget=shares[api])): api
            for api in order
        }
        for future in as_completed(futures):
            result, seconds, report = future.result()
            done[futures[future]] = (result, seconds)
            sys.stdout.write(report)
            sys.stdout.flush()
    results = [done[api][0] for api in apis]
    print(overview([(result, done[result.api][1]) for result in results], time.monotonic() - started))
    return results


def figures(results: Sequence[ContractResult]) -> dict[str, object]:
    """What ``--json`` writes: per API, its verdict, time, budget, requests and unreached operations."""
    return {
        "ok": all(result.ok for result in results),
        "apis": {
            result.api: {
                "ok": result.ok,
                "seconds": round(result.seconds, 2),
                "budget": result.budget,
                "operations": len(result.operations),
                "unreached": result.unreached(),
                "failures": len(result.failures),
                "requests": sum(op.requests for op in result.operations.values()),
            }
            for result in results
        },
    }


def _write_json(results: Sequence[ContractResult], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures(results), indent=2) + "\n", encoding="utf-8")
    print(f"Figures written to {path}")


def overview(runs: Sequence[tuple[ContractResult, float]], seconds: float) -> str:
    """One line per API: verdict, operations reached, failures, seconds; then the whole run's verdict."""
    width = max(len(result.api) for result, _ in runs)
    lines = ["", "Contracts:"]
    for result, took in runs:
        ops = len(result.operations)
        reached = ops - len(result.unreached())
        verdict = "PASSED" if result.ok else "FAILED"
        budget = f" of {result.budget:.0f} s budget" if result.budget is not None else ""
        lines.append(
            f"  {result.api:<{width}}  {verdict}  {reached:>3}/{ops:<3} operations reached  "
            f"{len(result.failures):>3} failure(s)  {took:6.1f} s{budget}"
        )
    failed = [result.api for result, _ in runs if not result.ok]
    verdict = f"FAILED: {', '.join(failed)}" if failed else f"PASSED: {len(runs)} API(s)"
    lines += ["", f"{verdict} in {seconds:.1f} s (seed {runs[0][0].seed})", ""]
    return "\n".join(lines)
