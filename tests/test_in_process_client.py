"""The in-process clients (``mockserver.testing``): what a downstream test's calls go through."""

from __future__ import annotations

import asyncio
import threading

import pytest
from starlette.types import Receive, Scope, Send

from mockserver import create_app
from mockserver.testing import SyncASGITransport, async_client, sync_client

HEADERS = {"Authorization": "sandbox-apprentiscope-token"}


def _user(n: int) -> dict[str, object]:
    return {
        "user": {
            "first_name": "In",
            "last_name": f"Process{n}",
            "email": f"in.{n}@x.example",
            "user_type": "apprentice",
        }
    }


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    """An app answering what it was sent: the scope's request line and the body."""
    message = await receive()
    line = f"{scope['method']} {scope['path']} {scope['raw_path']!r} {scope['query_string']!r}"
    headers = [(b"x-line", line.encode()), (b"x-client", scope["client"][0].encode())]
    await send({"type": "http.response.start", "status": 207, "headers": headers})
    await send({"type": "http.response.body", "body": message["body"][:4], "more_body": True})
    await send({"type": "http.response.body", "body": message["body"][4:]})


def test_a_call_carries_the_request_line_body_and_a_streamed_answer() -> None:
    with sync_client(_echo, base_url="http://s") as client:
        answer = client.post("/a%20b/c?x=1&y=%2F", content=b"hello world")
        head = client.head("/h")
    assert answer.status_code == 207
    assert answer.content == b"hello world"
    assert answer.headers["x-line"] == "POST /a b/c b'/a%20b/c' b'x=1&y=%2F'"
    assert answer.headers["x-client"] == "127.0.0.1"
    assert head.content == b""


def test_an_exception_in_the_app_reaches_the_caller() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise LookupError("broken app")

    with sync_client(broken) as client, pytest.raises(LookupError, match="broken app"):
        client.get("/")


def test_a_sync_client_works_inside_a_running_event_loop() -> None:
    app = create_app(apis=("apprentiscope",))

    async def inside() -> int:
        # A sync client called from async code: the thread's loop is busy, so the call runs elsewhere.
        with sync_client(app, base_url="http://s/apprentiscope", headers=HEADERS) as client:
            created = client.post("/create-user", json=_user(1)).json()["id"]
            return client.get(f"/read-user/{created}").status_code

    assert asyncio.run(inside()) == 200


def test_writes_from_several_threads_all_land() -> None:
    app = create_app(apis=("apprentiscope",))
    made: list[str] = []
    with sync_client(app, base_url="http://s/apprentiscope", headers=HEADERS) as client:

        def create(start: int) -> None:
            for n in range(start, start + 20):
                made.append(client.post("/create-user", json=_user(n)).json()["id"])

        threads = [threading.Thread(target=create, args=(k * 100,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(made)) == 80
        assert all(client.get(f"/read-user/{user}").status_code == 200 for user in made)


def test_the_async_client_reads_back_what_it_wrote() -> None:
    app = create_app(apis=("apprentiscope",))

    async def run() -> tuple[int, str]:
        async with async_client(app, base_url="http://s/apprentiscope", headers=HEADERS) as client:
            created = (await client.post("/create-user", json=_user(2))).json()["id"]
            read = await client.get(f"/read-user/{created}")
            return read.status_code, read.json()["last_name"]

    assert asyncio.run(run()) == (200, "Process2")


def test_closing_a_client_closes_its_loops() -> None:
    client = sync_client(_echo)
    assert client.get("/").status_code == 207
    transport = client._transport
    client.close()
    # The loop the call ran on is closed with the client.
    assert isinstance(transport, SyncASGITransport)
    assert transport._own_loop().is_closed()
