from __future__ import annotations

import asyncio

import httpx

from mockserver import Journal, create_app
from mockserver.journal import CallFilter
from mockserver.testing import sync_client

from .conftest import AUTH
from .journal_helpers import record

BASE = "/__sandbox__"


def test_journal_keeps_only_the_newest_entries() -> None:
    journal = Journal(maxlen=3)
    for status in (200, 201, 202, 203):
        record(journal, status=status)
    assert [e.status for e in journal.entries()] == [201, 202, 203]
    assert [e.seq for e in journal.entries()] == [2, 3, 4]


def test_journal_filters_combine() -> None:
    journal = Journal()
    record(
        journal,
        method="POST",
        path="/apprentiscope/create-user",
        status=201,
        operation_id="createUser",
    )
    record(journal, method="GET", status=404)
    record(journal, method="GET", status=200)
    assert len(journal.entries(method="get")) == 2
    assert len(journal.entries(method="GET", status=404)) == 1
    assert [e.operation_id for e in journal.entries(path="/apprentiscope/create")] == ["createUser"]
    assert journal.entries(api="absorb") == []
    assert [e.status for e in journal.entries(limit=1)] == [200]


def test_a_call_filter_matches_only_entries_agreeing_with_every_field_it_gives() -> None:
    journal = Journal()
    record(journal, api="skyprep", path="/skyprep/api/get_user", operation_id="get_userGet", call="get_user")
    record(journal, kind="webhook", status=0)
    request, webhook = journal.entries()
    assert CallFilter().matches(request)
    assert CallFilter().matches(webhook)
    assert CallFilter(operation_id="get_user").matches(request)  # the call it serves
    assert CallFilter(operation_id="get_userGet", method="get", path="/skyprep/api").matches(request)
    assert not CallFilter(operation_id="get_userGet", status=404).matches(request)
    assert not CallFilter(kind="request").matches(webhook)
    assert journal.matching(CallFilter(kind="webhook")) == journal.matching(kind="webhook") == [webhook]


def test_journal_clear_empties_it() -> None:
    journal = Journal()
    record(journal)
    journal.clear()
    assert len(journal) == 0


def test_journal_counts_the_entries_it_drops_past_its_bound() -> None:
    journal = Journal(maxlen=3)
    for status in (200, 201):
        record(journal, status=status)
    assert journal.dropped == 0
    for status in (202, 203, 204):
        record(journal, status=status)
    assert journal.dropped == 2
    assert [e.status for e in journal.entries()] == [202, 203, 204]


def test_journal_clear_resets_the_dropped_count() -> None:
    journal = Journal(maxlen=1)
    record(journal)
    record(journal)
    assert journal.dropped == 1
    journal.clear()
    assert journal.dropped == 0
    record(journal)
    assert journal.dropped == 0


def test_journal_matching_counts_every_match_and_entries_the_newest_page() -> None:
    journal = Journal()
    for status in (200, 404, 200, 200):
        record(journal, status=status)
    assert len(journal.matching(status=200)) == 3
    assert [e.seq for e in journal.entries(status=200, limit=2)] == [3, 4]


def test_journal_keeps_only_the_start_of_a_large_body(client: httpx.Client) -> None:
    client.post("/apprentiscope/create-partner", headers=AUTH, content=b"x" * (200 * 1024))
    (entry,) = client.get(f"{BASE}/journal", params={"path": "/apprentiscope/create-partner"}).json()[
        "entries"
    ]
    assert entry["request_body"] == "x" * (64 * 1024)


def test_the_journal_total_counts_every_match_not_only_the_page(client: httpx.Client) -> None:
    for _ in range(3):
        client.get("/apprentiscope/read-occupations", headers=AUTH)
    client.get("/apprentiscope/read-user/nobody", headers=AUTH)
    page = client.get(f"{BASE}/journal", params={"operation_id": "readOccupations", "limit": 2}).json()
    assert page["total"] == 3
    assert [e["operation_id"] for e in page["entries"]] == ["readOccupations"] * 2
    assert page["entries"][0]["seq"] < page["entries"][1]["seq"]
    assert page["dropped"] == 0


def test_the_journal_says_how_many_entries_it_dropped_until_a_reset() -> None:
    app = create_app(apis=("apprentiscope",), journal_size=2)
    with sync_client(app) as client:
        for _ in range(5):
            client.get("/apprentiscope/read-occupations", headers=AUTH)
        page = client.get(f"{BASE}/journal").json()
        assert (page["total"], page["dropped"], page["capacity"], len(page["entries"])) == (2, 3, 2, 2)
        client.post(f"{BASE}/reset")
        assert client.get(f"{BASE}/journal").json()["dropped"] == 0


def test_a_call_is_in_the_journal_before_the_last_bytes_of_its_answer_leave() -> None:
    # A live server's client has its answer once the last body message is sent: an assertion on the
    # journal right after the call must find it there, so the entry is written before that message.
    app = create_app(apis=("apprentiscope",))
    seen_at_the_end: list[int] = []

    async def call() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/apprentiscope/read-occupations",
            "raw_path": b"/apprentiscope/read-occupations",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"sandbox"), (b"authorization", AUTH["Authorization"].encode())],
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000),
            "extensions": {},
        }
        asked = False

        async def receive() -> dict[str, object]:
            nonlocal asked
            if asked:
                await asyncio.Event().wait()  # the client never disconnects during the call
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                seen_at_the_end.append(len(app.journal.entries(operation_id="readOccupations")))

        await app(scope, receive, send)

    asyncio.run(call())

    assert seen_at_the_end == [1]
    [entry] = app.journal.entries(operation_id="readOccupations")
    assert entry.status == 200
