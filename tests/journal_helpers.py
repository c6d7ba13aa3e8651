"""Journal entries made by hand, for the journal's and the plugin's call assertions' tests."""

from __future__ import annotations

from mockserver import Journal

# A plain successful ApprentiScope read; each test overrides what it is about.
ENTRY: dict[str, object] = {
    "time": "2026-01-01T00:00:00.000+00:00",
    "api": "apprentiscope",
    "method": "GET",
    "path": "/apprentiscope/read-user/x",
    "query": "",
    "status": 200,
    "operation_id": "readUser",
    "duration_ms": 1.0,
    "request_body": "",
    "response_body": "{}",
}


def record(journal: Journal, **overrides: object) -> None:
    """Record ``ENTRY`` with ``overrides`` in ``journal``."""
    journal.record(**{**ENTRY, **overrides})
