"""`make stress`: concurrent writers against ``lms-sandbox serve`` over a real socket; nothing may be lost.

For each API whose vendor names a stress profile, CLIENTS concurrent clients (32) each make CREATES
creates (1,000), interleaved with updates, deletes and writes to derived views of their own records,
with the vendor's own credentials. Afterwards: every acknowledged create is in the export
(``GET /__sandbox__/state/{api}``) exactly once and every acknowledged delete is not; each record
holds its last acknowledged update; no two creates were answered with one id; the API's lists match
the export, id for id; each derived view (ApprentiScope OJT progress, SkyPrep gamification balances,
Absorb course progress, Coursepath member courses) agrees with the export and with the writes. No
answer may be 5xx, and the server's log may hold no traceback. Prints the figures; exits 1 on any
violation. Never part of ``make test`` at this scale (tests/test_stress.py runs it small).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/stress/run.py` as well as `python -m tests.stress.run`
    sys.path.insert(0, str(ROOT))

from contracts.workflows.stress import stressed_apis  # noqa: E402
from tests.stress import server  # noqa: E402
from tests.stress.driver import Result, stress  # noqa: E402


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="make stress ARGS=...", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients per API (default 32)")
    parser.add_argument("--creates", type=int, default=1000, help="creates per client (default 1000)")
    parser.add_argument(
        "--api",
        action="append",
        default=[],
        choices=stressed_apis(),
        help="only this API (repeatable; default every API with a stress profile)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / ".stress", help="where the server's log goes")
    return parser


def _say(text: str) -> None:
    print(text, flush=True)


def summary(result: Result) -> list[str]:
    """The figures of one API's run, as printed."""
    ledger = result.ledger
    statuses = ", ".join(f"{s}: {n:,}" for s, n in sorted(result.statuses.items()))
    made = ", ".join(f"{c} {n:,}" for c, n in sorted(ledger.creates.items()))
    lines = [
        f"{result.api}: {result.clients} clients x {result.creates} creates: {result.requests:,} requests "
        f"in {result.seconds:.1f} s ({result.rps:,.0f} req/s)",
        f"  statuses {statuses}"
        + (f"; transport errors {result.transport_errors}" if result.transport_errors else ""),
        f"  acknowledged: created {made}; updates {sum(ledger.updates.values()):,}; "
        f"deletes {sum(ledger.deletes.values()):,}",
        "  checked: "
        + (", ".join(f"{c} list {n:,}" for c, n in sorted(result.listed.items())) or "no list operation")
        + f"; {result.views:,} derived views ({sum(result.check_statuses.values()):,} requests)",
    ]
    if result.problem_count:
        lines.append(f"  VIOLATIONS: {result.problem_count}")
        lines += [f"    {p}" for p in result.problems]
    else:
        lines.append("  OK")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    apis = args.api or stressed_apis()
    shutil.rmtree(args.out / "logs", ignore_errors=True)
    serve = server.start(args.out / "logs")
    _say(f"stress: lms-sandbox serve at {serve.url}; {args.clients} clients x {args.creates} creates per API")
    results = []
    started = time.perf_counter()
    try:
        for api in apis:
            result = asyncio.run(stress(serve.url, api, clients=args.clients, creates=args.creates))
            results.append(result)
            for line in summary(result):
                _say(line)
            rss = server.rss_mib(serve)
            if rss is not None:
                _say(f"  server RSS after it: {rss:.0f} MiB")
    finally:
        log = server.stop(serve)
    failed = sum(r.problem_count for r in results)
    tracebacks = server.tracebacks(log)
    if tracebacks:
        _say(f"stress: {len(tracebacks)} tracebacks in the server's log ({serve.log}): {tracebacks[:5]}")
    requests = sum(r.requests for r in results)
    load = sum(r.seconds for r in results)
    _say(
        f"stress: {requests:,} requests over {len(results)} APIs, {load:.0f} s of load "
        f"({requests / load if load else 0:,.0f} req/s), {time.perf_counter() - started:.0f} s in all: "
        + ("FAILED" if failed or tracebacks else "every acknowledged write present exactly once; OK")
    )
    return 1 if failed or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
