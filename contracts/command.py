"""``lms-sandbox contract``: the command-line edge of the contract runner.

One API runs in this process. Several (or ``all``) run in parallel processes, each against its own
in-process sandbox and with the same seed, so each API's run replays alone exactly as it ran here;
their reports are printed whole as each finishes, then one line per API.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from io import StringIO

from mockserver.vendors import vendor_names

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
    )


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
    print(
        f"Contracts of {', '.join(apis)} in {min(jobs, len(apis))} parallel process(es), seed {options.seed}"
    )
    done: dict[str, tuple[ContractResult, float]] = {}
    # spawn: a fresh interpreter per worker, never a fork of a process that may hold threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(apis))), mp_context=context) as pool:
        futures = {pool.submit(_run_one, api, options): api for api in apis}
        for future in as_completed(futures):
            result, seconds, report = future.result()
            done[futures[future]] = (result, seconds)
            sys.stdout.write(report)
            sys.stdout.flush()
    results = [done[api][0] for api in apis]
    print(overview([(result, done[result.api][1]) for result in results], time.monotonic() - started))
    return results


def overview(runs: Sequence[tuple[ContractResult, float]], seconds: float) -> str:
    """One line per API: verdict, operations reached, failures, seconds; then the whole run's verdict."""
    width = max(len(result.api) for result, _ in runs)
    lines = ["", "Contracts:"]
    for result, took in runs:
        ops = len(result.operations)
        reached = ops - len(result.unreached())
        verdict = "PASSED" if result.ok else "FAILED"
        lines.append(
            f"  {result.api:<{width}}  {verdict}  {reached:>3}/{ops:<3} operations reached  "
            f"{len(result.failures):>3} failure(s)  {took:6.1f} s"
        )
    failed = [result.api for result, _ in runs if not result.ok]
    verdict = f"FAILED: {', '.join(failed)}" if failed else f"PASSED: {len(runs)} API(s)"
    lines += ["", f"{verdict} in {seconds:.1f} s (seed {runs[0][0].seed})", ""]
    return "\n".join(lines)
