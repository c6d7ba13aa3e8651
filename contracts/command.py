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

__all__ = ["Target", "run_contract_command", "target_from_args"]


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
