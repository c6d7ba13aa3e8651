"""Showing a fuzz run: requests and statuses per API, each server error with its curl, the verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .driver import FuzzResult
from .tally import NO_ANSWER

_CLASSES = ("2xx", "3xx", "4xx", "5xx", NO_ANSWER)
# Server errors listed with their curl; the rest are counted.
_LISTED = 20


def _statuses(counts: dict[str, int]) -> str:
    return ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))


def summary(result: FuzzResult) -> str:
    """The per-API table, statuses, server errors and tracebacks, and the verdict."""
    options = result.options
    tally = result.tally
    width = max([len(api) for api in tally.apis] + [5])
    header = f"  {'API':<{width}}  {'requests':>9}" + "".join(f"  {name:>9}" for name in _CLASSES)
    lines = ["", "Requests per API:", header]
    for api, counts in tally.apis.items():
        classes = counts.classes()
        row = "".join(f"  {classes.get(name, 0):>9,}" for name in _CLASSES)
        lines.append(f"  {api:<{width}}  {counts.requests:>9,}{row}")
    totals: dict[str, int] = {}
    for counts in tally.apis.values():
        for name, count in counts.classes().items():
            totals[name] = totals.get(name, 0) + count
    lines.append(
        f"  {'total':<{width}}  {tally.requests:>9,}" + "".join(f"  {totals.get(n, 0):>9,}" for n in _CLASSES)
    )
    lines += ["", "Statuses per API:"]
    lines += [f"  {api}: {_statuses(dict(counts.statuses))}" for api, counts in tally.apis.items()]
    lines += ["", "Requests per phase:"]
    lines += [f"  {api}: {_statuses(dict(counts.phases))}" for api, counts in tally.apis.items()]
    if result.server_errors:
        lines += ["", f"Responses >= 500 or unanswered ({tally.server_errors}; first ones per operation):"]
        for index, error in enumerate(result.server_errors[:_LISTED], 1):
            lines.append(f"{index}. {error.describe()}")
    if result.tracebacks:
        lines += ["", f"Tracebacks in the server log ({sum(t.count for t in result.tracebacks)}):"]
        lines += [f"{index}. {tb.describe()}" for index, tb in enumerate(result.tracebacks, 1)]
    if result.corpus is not None:
        corpus = result.corpus
        lines += [
            "",
            f"Hostile-input corpus: {corpus.sent:,} requests; {len(corpus.findings)} answer(s) >= 500 "
            f"or unanswered; exports {'valid' if not corpus.exports else 'INVALID'}; "
            f"health {'ok' if corpus.healthy else 'FAILED'}",
        ]
        lines += [f"  {api}: {_statuses(dict(counts))}" for api, counts in corpus.statuses.items()]
        lines += [
            f"{index}. {finding.describe()}" for index, finding in enumerate(corpus.findings[:_LISTED], 1)
        ]
        lines += [f"  export of {api}: {why}" for api, why in corpus.exports.items()]
    if result.notes:
        lines += ["", "Notes (engine messages; not part of the verdict):"]
        lines += [f"  {note}" for note in result.notes]
    reached = "" if tally.requests >= options.budget else f" (budget {options.budget:,} NOT reached)"
    lines.append("")
    lines.append(
        f"{tally.requests:,} requests in {result.seconds:.0f} s{reached}; "
        f"{tally.server_errors} response(s) >= 500 or unanswered; "
        f"{sum(t.count for t in result.tracebacks)} traceback(s) in {options.log}"
    )
    verdict = "PASSED" if result.ok else "FAILED"
    lines += [f"{verdict} (seed {options.seed}; rerun with --seed {options.seed} to reproduce)", ""]
    return "\n".join(lines)


def as_json(result: FuzzResult) -> dict[str, Any]:
    """The figures of a run, for a file (``--json``)."""
    tally = result.tally
    return {
        "ok": result.ok,
        "seed": result.options.seed,
        "budget": result.options.budget,
        "phases": list(result.options.phases),
        "seconds": round(result.seconds, 1),
        "requests": tally.requests,
        "server_errors": tally.server_errors,
        "statuses": dict(sorted(tally.statuses().items())),
        "apis": {
            api: {
                "requests": counts.requests,
                "statuses": dict(sorted(counts.statuses.items())),
                "phases": dict(counts.phases),
                "documents": dict(counts.documents),
            }
            for api, counts in tally.apis.items()
        },
        "errors": [error.describe() for error in result.server_errors],
        "tracebacks": [tb.describe() for tb in result.tracebacks],
        "notes": result.notes,
        "server_exit": result.server_exit,
        "corpus": None if result.corpus is None else result.corpus.as_json(),
    }


def write_json(result: FuzzResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(as_json(result), indent=2) + "\n")
