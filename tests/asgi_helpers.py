"""ASGI pieces the tests' wrapping apps share: read a request's body, hand it on again."""

from __future__ import annotations

from starlette.types import Message, Receive


async def read_body(receive: Receive) -> bytes:
    """The whole body of the request ``receive`` delivers."""
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def replay(body: bytes, then: Receive | None = None) -> Receive:
    """A ``receive`` giving ``body`` once, then ``then``'s messages (a disconnect if there is none)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"} if then is None else await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
