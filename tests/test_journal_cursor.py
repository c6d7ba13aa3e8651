"""The journal's cursor (``since``, ``last_seq``, ``epoch``, ``missed``) and its long poll (``wait``)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import closing, contextmanager
from typing import Any

import httpx
import pytest

from mockserver import Journal, Sandbox, create_app
from mockserver.journal import CallFilter, JournalPage
from mockserver.server import SERVERS, LiveServer
from mockserver.testing import async_client, sync_client

from .conftest import AUTH
from .journal_helpers import record
from .vendor_fixtures import reset_and_check

JOURNAL = "/__sandbox__/journal"
SESSION = "X-Sandbox-Session"
CALL = "/apprentiscope/read-occupations"


@pytest.fixture(scope="module")
def small() -> Iterator[Sandbox]:
    with closing(create_app(apis=("apprentiscope",), journal_size=4)) as app:
        yield app


@pytest.fixture
def app(small: Sandbox) -> Iterator[Sandbox]:
    yield from reset_and_check(small)


def _seqs(page: JournalPage | dict[str, Any]) -> list[int]:
    if isinstance(page, JournalPage):
        return [e.seq for e in page.entries]
    return [e["seq"] for e in page["entries"]]


async def _waiting(journal: Journal, task: asyncio.Task[Any]) -> None:
    """Once ``task`` (a long poll on ``journal``) waits for the next entry."""
    while not journal._waiters:
        assert not task.done(), task.result()
        await asyncio.sleep(0)


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


# The journal itself.


def test_a_cursor_reads_only_the_matching_entries_after_it_oldest_first() -> None:
    journal = Journal()
    for api in ("apprentiscope", "absorb", "apprentiscope", "apprentiscope"):
        record(journal, api=api)
    page = journal.page(CallFilter(api="apprentiscope"), since=1)
    assert _seqs(page) == [3, 4]
    assert (page.last_seq, page.missed) == (4, 0)
    assert _seqs(journal.page(since=4)) == []


def test_entries_the_bound_dropped_after_a_cursor_are_counted_as_missed() -> None:
    journal = Journal(maxlen=3)
    record(journal)
    record(journal)
    cursor = journal.page().last_seq
    for _ in range(5):  # seqs 3 to 7: 3 and 4 are pushed out
        record(journal)
    page = journal.page(since=cursor)
    assert (_seqs(page), page.missed) == ([5, 6, 7], 2)
    assert journal.page(since=4).missed == 0
    assert journal.page(since=0).missed == 4


def test_a_clear_starts_a_new_epoch_its_entries_are_not_missed_and_seqs_go_on() -> None:
    journal = Journal(maxlen=3)
    record(journal)
    record(journal)
    before = journal.page()
    journal.clear()
    record(journal)
    after = journal.page(since=1)
    assert after.epoch != before.epoch
    assert (_seqs(after), after.missed, after.last_seq) == ([3], 0, 3)
    assert Journal().epoch != Journal().epoch


def test_a_sessions_journal_names_the_session_in_each_entry() -> None:
    journal = Journal(session="ci-7")
    record(journal)
    assert [e.session for e in journal.entries()] == ["ci-7"]
    record(default := Journal())
    assert default.entries()[0].to_json()["session"] is None


def test_a_long_poll_answers_as_soon_as_an_entry_is_recorded() -> None:
    async def poll() -> JournalPage:
        journal = Journal()
        task = asyncio.create_task(journal.follow(CallFilter(), 0, 30))
        await _waiting(journal, task)
        record(journal, status=201)
        return await asyncio.wait_for(task, 10)

    assert [e.status for e in _run(poll()).entries] == [201]


def test_a_long_poll_waits_past_entries_its_filter_does_not_match() -> None:
    async def poll() -> JournalPage:
        journal = Journal()
        task = asyncio.create_task(journal.follow(CallFilter(api="absorb"), 0, 30))
        await _waiting(journal, task)
        first = set(journal._waiters)
        record(journal, api="apprentiscope")
        # The poll wakes, finds no match, and waits again (a new waiter) past the entry it saw.
        while not journal._waiters or journal._waiters == first:
            assert not task.done(), task.result()
            await asyncio.sleep(0)
        record(journal, api="absorb")
        return await asyncio.wait_for(task, 10)

    page = _run(poll())
    assert [(e.seq, e.api) for e in page.entries] == [(2, "absorb")]


def test_a_long_poll_answers_empty_at_its_timeout() -> None:
    page = _run(Journal().follow(CallFilter(), 0, 0.01))
    assert (page.entries, page.last_seq) == ([], 0)


def test_a_clear_ends_a_long_poll_with_the_new_epoch() -> None:
    async def poll() -> tuple[str, JournalPage]:
        journal = Journal()
        epoch = journal.epoch
        task = asyncio.create_task(journal.follow(CallFilter(), 0, 30))
        await _waiting(journal, task)
        journal.clear()
        return epoch, await asyncio.wait_for(task, 10)

    epoch, page = _run(poll())
    assert page.entries == []
    assert page.epoch != epoch


def test_wake_ends_a_long_poll_empty() -> None:
    async def poll() -> JournalPage:
        journal = Journal()
        task = asyncio.create_task(journal.follow(CallFilter(), 0, 30))
        await _waiting(journal, task)
        journal.wake()
        return await asyncio.wait_for(task, 10)

    assert _run(poll()).entries == []


# Over the control plane.


def test_the_control_plane_pages_from_a_cursor_in_the_requests_session(app: Sandbox) -> None:
    with sync_client(app, headers=AUTH) as client:
        client.get(CALL, headers={SESSION: "cursor-a"})
        start = client.get(JOURNAL, headers={SESSION: "cursor-a"}).json()
        client.get(CALL)  # the default session's: not in session cursor-a's journal
        client.get(CALL, headers={SESSION: "cursor-a"})
        client.get("/apprentiscope/read-user/nobody", headers={SESSION: "cursor-a"})
        page = client.get(
            JOURNAL, params={"since": start["last_seq"], "status": 200}, headers={SESSION: "cursor-a"}
        ).json()
        default = client.get(JOURNAL).json()
    assert start["last_seq"] == 1
    assert [(e["path"], e["session"]) for e in page["entries"]] == [(CALL, "cursor-a")]
    assert (page["total"], page["last_seq"], page["next_since"], page["missed"]) == (1, 3, 3, 0)
    assert page["epoch"] == start["epoch"]
    assert default["epoch"] != page["epoch"]
    assert [e["session"] for e in default["entries"]] == [None]


def test_a_limited_page_after_a_cursor_holds_the_oldest_and_next_since_goes_on_from_it(
    app: Sandbox,
) -> None:
    with sync_client(app, headers=AUTH) as client:
        # Seqs go on counting across the fixture's reset: the calls' are 1, 2, 3 past this one.
        at = client.get(JOURNAL).json()["last_seq"]
        for _ in range(3):
            client.get(CALL)
        first = client.get(JOURNAL, params={"since": at, "limit": 2}).json()
        rest = client.get(JOURNAL, params={"since": first["next_since"], "limit": 2}).json()
        newest = client.get(JOURNAL, params={"limit": 2}).json()
    assert (_seqs(first), first["total"], first["next_since"]) == ([at + 1, at + 2], 3, at + 2)
    assert (_seqs(rest), rest["total"], rest["next_since"]) == ([at + 3], 1, at + 3)
    assert (_seqs(newest), newest["next_since"]) == ([at + 2, at + 3], at + 3)


def test_a_poller_that_fell_behind_the_bound_is_told_how_many_calls_it_missed(app: Sandbox) -> None:
    with sync_client(app, headers=AUTH) as client:
        cursor = client.get(JOURNAL).json()["last_seq"]
        for _ in range(6):  # a journal of 4: the first 2 are dropped
            client.get(CALL)
        page = client.get(JOURNAL, params={"since": cursor}).json()
    assert (page["missed"], len(page["entries"]), page["dropped"]) == (2, 4, 2)


def test_a_reset_gives_the_journal_a_new_epoch(app: Sandbox) -> None:
    with sync_client(app, headers=AUTH) as client:
        client.get(CALL)
        before = client.get(JOURNAL).json()
        client.post("/__sandbox__/reset")
        after = client.get(JOURNAL, params={"since": before["last_seq"]}).json()
    assert after["epoch"] != before["epoch"]
    assert (after["entries"], after["missed"]) == ([], 0)


def test_a_long_poll_over_the_control_plane_answers_with_the_call_made_meanwhile(app: Sandbox) -> None:
    async def poll() -> dict[str, Any]:
        async with async_client(app, headers={**AUTH, SESSION: "poller"}) as client:
            waiting = asyncio.create_task(client.get(JOURNAL, params={"since": 0, "wait": 30}))
            while (session := app.sessions.get("poller")) is None or not session.state.journal._waiters:
                assert not waiting.done(), waiting.result().text
                await asyncio.sleep(0)
            assert (await client.get(CALL)).status_code == 200
            answer = await asyncio.wait_for(waiting, 10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    page = _run(poll())
    assert [(e["path"], e["session"]) for e in page["entries"]] == [(CALL, "poller")]


@pytest.mark.parametrize("wait", ["31", "-1", "soon"])
def test_a_wait_outside_the_bound_is_refused_as_a_problem(app: Sandbox, wait: str) -> None:
    with sync_client(app) as client:
        answer = client.get(JOURNAL, params={"since": 0, "wait": wait})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("server", SERVERS)
def test_a_stopping_server_ends_a_long_poll_at_once(server: str) -> None:
    app = create_app(apis=("apprentiscope",))
    polling = threading.Event()
    wait_past = app.default.journal.wait_past

    async def noted(seq: int, timeout: float, gone: Any = None) -> bool:
        polling.set()
        return await wait_past(seq, timeout, gone)

    app.default.journal.wait_past = noted  # type: ignore[method-assign]
    answers: list[httpx.Response] = []
    live = LiveServer(app, server=server).start()
    try:
        poller = threading.Thread(
            target=lambda: answers.append(httpx.get(f"{live.url}{JOURNAL}?since=0&wait=30", timeout=60))
        )
        poller.start()
        assert polling.wait(10)
    finally:
        live.stop()
        app.close()
    # Without the wake the server would hold the poll its 30 s before stopping.
    poller.join(5)
    assert [a.status_code for a in answers] == [200]
    assert answers[0].json()["entries"] == []


def _watched(app: Sandbox) -> tuple[threading.Event, threading.Event]:
    """Events set when ``app``'s default journal starts a long poll's wait, and when a follow returns."""
    journal = app.default.journal
    polling, returned = threading.Event(), threading.Event()
    wait_past, follow = journal.wait_past, journal.follow

    async def noted(seq: int, timeout: float, gone: Any = None) -> bool:
        polling.set()
        return await wait_past(seq, timeout, gone)

    async def followed(*args: Any) -> JournalPage:
        try:
            return await follow(*args)
        finally:
            returned.set()

    journal.wait_past = noted  # type: ignore[method-assign]
    journal.follow = followed  # type: ignore[method-assign,assignment]
    return polling, returned


@contextmanager
def _served_watched(server: str) -> Iterator[tuple[str, threading.Event, threading.Event]]:
    """A sandbox served by ``server`` on port 0: its URL and ``_watched``'s two events."""
    app = create_app(apis=("apprentiscope",))
    polling, returned = _watched(app)
    live = LiveServer(app, server=server).start()
    try:
        yield live.url, polling, returned
    finally:
        live.stop()
        app.close()


@pytest.mark.parametrize("server", SERVERS)
def test_a_long_poll_ends_when_its_client_leaves(server: str) -> None:
    # A closed browser tab must not hold a long poll (and its task) for the rest of its wait.
    with _served_watched(server) as (url, polling, returned):
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as client:
            client.sendall(f"GET {JOURNAL}?since=0&wait=30 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            assert polling.wait(10)
            assert not returned.is_set()
        assert returned.wait(10), "the long poll went on after its client left"


@pytest.mark.parametrize("server", SERVERS)
def test_a_long_poll_over_a_socket_waits_for_the_call_while_its_client_stays(server: str) -> None:
    answers: list[httpx.Response] = []
    with _served_watched(server) as (url, polling, _), httpx.Client(base_url=url, timeout=60) as client:
        last = client.get(JOURNAL).json()["last_seq"]
        poller = threading.Thread(
            target=lambda: answers.append(client.get(JOURNAL, params={"since": last, "wait": 30}))
        )
        poller.start()
        assert polling.wait(10)
        assert client.get(CALL, headers=AUTH).status_code == 200
        poller.join(20)
    assert [e["path"] for e in answers[0].json()["entries"]] == [CALL]
