"""``make fuzz``: no server errors under bad input, checked through ``serve`` with every Schemathesis phase.

Example:
    >>> from contracts.fuzz import FuzzOptions, fuzz
    >>> result = fuzz(FuzzOptions(budget=2_000, apis=("apprentiscope",)))
    >>> result.ok, result.tally.requests, result.server_errors
"""

from __future__ import annotations

from .driver import DEFAULT_BUDGET, FuzzOptions, FuzzResult, fuzz
from .report import as_json, summary, write_json
from .server import ServedSandbox, ServerFailed
from .serverlog import Traceback, tracebacks
from .tally import NO_ANSWER, ApiTally, ServerError, Tally

__all__ = [
    "DEFAULT_BUDGET",
    "NO_ANSWER",
    "ApiTally",
    "FuzzOptions",
    "FuzzResult",
    "ServedSandbox",
    "ServerError",
    "ServerFailed",
    "Tally",
    "Traceback",
    "as_json",
    "fuzz",
    "summary",
    "tracebacks",
    "write_json",
]
