from __future__ import annotations

from mockserver import Journal


def _record(journal: Journal, **overrides: object) -> None:
    fields: dict[str, object] = {
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
    fields.update(overrides)
    journal.record(**fields)


def test_journal_keeps_only_the_newest_entries() -> None:
    journal = Journal(maxlen=3)
    for status in (200, 201, 202, 203):
        _record(journal, status=status)
    assert [e.status for e in journal.entries()] == [201, 202, 203]
    assert [e.seq for e in journal.entries()] == [2, 3, 4]


def test_journal_filters_combine() -> None:
    journal = Journal()
    _record(
        journal,
        method="POST",
        path="/apprentiscope/create-user",
        status=201,
        operation_id="createUser",
    )
    _record(journal, method="GET", status=404)
    _record(journal, method="GET", status=200)
    assert len(journal.entries(method="get")) == 2
    assert len(journal.entries(method="GET", status=404)) == 1
    assert [e.operation_id for e in journal.entries(path="/apprentiscope/create")] == ["createUser"]
    assert journal.entries(api="absorb") == []
    assert [e.status for e in journal.entries(limit=1)] == [200]


def test_journal_clear_empties_it() -> None:
    journal = Journal()
    _record(journal)
    journal.clear()
    assert len(journal) == 0
