"""The building blocks of the broken sandboxes: the ``Fault`` record, the ``Rewrite`` middleware, changes."""

from __future__ import annotations

import base64
import inspect
import json
import re
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import jwt
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import Sandbox
from mockserver.asgi import read_body, replay
from mockserver.vendors import get_vendor
from mockserver.vendors.credentials import LoginScheme, SignedScheme, Source, token_of

Body = Any
Wrap = Callable[[Sandbox], ASGIApp]


@dataclass(frozen=True)
class Fault:
    """One way to break one operation of one API."""

    name: str
    api: str
    operation: str
    phases: tuple[str, ...]
    wrap: Wrap
    # Text one of the failures must contain (e.g. the check that should catch it), when it matters.
    expect: str = ""

    def __post_init__(self) -> None:
        # A wrap that is not one (a builder that forgot to return it) would test the intact sandbox.
        if not callable(self.wrap):
            raise TypeError(f"fault {self.name!r}: wrap must make an app from the sandbox, got {self.wrap!r}")

    def __str__(self) -> str:
        return self.name


def _matches(scope: Scope, method: str | None, path: re.Pattern[str]) -> bool:
    """Whether an HTTP request is the one a fault breaks: its method (``None``: any) and path."""
    return scope["type"] == "http" and method in (None, scope["method"]) and bool(path.search(scope["path"]))


class _Intercept:
    """Hands requests matching ``METHOD path-regex`` (method ``None``: any) to ``intercept``, the rest on."""

    def __init__(self, app: ASGIApp, method: str | None, path: str) -> None:
        self.app = app
        self.method = method
        self.path = re.compile(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _matches(scope, self.method, self.path):
            await self.app(scope, receive, send)
            return
        await self.intercept(scope, receive, send)

    async def intercept(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class Rewrite(_Intercept):
    """Lets requests matching ``METHOD path-regex`` be changed on the way in and responses on the way out."""

    def __init__(
        self,
        app: ASGIApp,
        method: str | None,
        path: str,
        *,
        request: Callable[[Scope, bytes], tuple[Scope, bytes] | Awaitable[tuple[Scope, bytes]]] | None = None,
        response: Callable[[int, Body], tuple[int, Body]] | None = None,
        short_circuit: Callable[[Scope], tuple[int, Body]] | None = None,
    ) -> None:
        super().__init__(app, method, path)
        self.request = request
        self.response = response
        self.short_circuit = short_circuit

    async def intercept(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.short_circuit is not None:
            status, body = self.short_circuit(scope)
            await _send_json(send, status, body)
            return
        body = await read_body(receive)
        if self.request is not None:
            changed = self.request(dict(scope), body)
            # A change that must ask the sandbox first (a login) is a coroutine.
            scope, body = await changed if inspect.isawaitable(changed) else changed
        once = replay(body)
        if self.response is None:
            await self.app(scope, once, send)
            return
        status = 500
        chunks: list[bytes] = []
        headers: list[tuple[bytes, bytes]] = []

        async def keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, once, keep)
        raw = b"".join(chunks)
        try:
            parsed: Body = json.loads(raw)
        except ValueError:
            parsed = raw.decode("utf-8", errors="replace")
        new_status, new_body = self.response(status, parsed)
        if new_status == status and new_body is parsed:
            # Left as it was: sent as it came (an XML answer stays XML).
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": raw})
            return
        await _send_json(send, new_status, new_body, headers)


async def _send_json(
    send: Send, status: int, body: Body, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    if isinstance(body, str):
        payload, media = body.encode(), b"text/plain"
    else:
        payload, media = json.dumps(body).encode(), b"application/json"
    kept = [(k, v) for k, v in extra or [] if k.lower() not in (b"content-type", b"content-length")]
    headers = [*kept, (b"content-type", media), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def rewrite(method: str | None, path: str, **kwargs: Any) -> Wrap:
    """A ``Fault.wrap`` applying ``Rewrite`` to the sandbox (``method=None``: any method)."""

    def wrap(sandbox: Sandbox) -> ASGIApp:
        return Rewrite(sandbox, method, path, **kwargs)

    return wrap


# --- the faults' building blocks -----------------------------------------------------------------


def on_success(change: Callable[[Body], Body]) -> Callable[[int, Body], tuple[int, Body]]:
    """Change 2xx bodies only."""

    def respond(status: int, body: Body) -> tuple[int, Body]:
        return (status, change(body)) if 200 <= status < 300 else (status, body)

    return respond


def each(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Body], Body]:
    return lambda body: (
        [change(dict(item)) for item in body] if isinstance(body, list) else change(dict(body))
    )


def without(field: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda record: {k: v for k, v in record.items() if k != field}


def with_value(field: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda record: {**record, field: value}


def status_instead(wrong: int) -> Callable[[int, Body], tuple[int, Body]]:
    return lambda status, body: (wrong if 200 <= status < 300 else status, body)


def error_as_text(status: int, body: Body) -> tuple[int, Body]:
    """Errors as a bare string instead of the vendor's JSON error body."""
    return (status, f"error {status}") if status >= 400 else (status, body)


def only(
    status: int, change: Callable[[int, Body], tuple[int, Body]]
) -> Callable[[int, Body], tuple[int, Body]]:
    """Apply ``change`` to responses of one status."""
    return lambda got, body: change(got, body) if got == status else (got, body)


def drop_query(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    return {**scope, "query_string": b""}, body


def ignore_item_field(
    field: str, read_path: Callable[[str], str]
) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """Drop ``field`` from an update's ``item``; an update of nothing else becomes a read of the record."""

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        try:
            parsed = json.loads(body)
            parsed["item"].pop(field)
        except (ValueError, KeyError, TypeError, AttributeError):
            return scope, body
        if parsed["item"]:
            return scope, json.dumps(parsed).encode()
        path = read_path(scope["path"])
        return {**scope, "method": "GET", "path": path, "raw_path": path.encode()}, b""

    return change


def with_credentials(headers: dict[str, str]) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """Replace whatever credentials came with valid ones: the operation no longer enforces auth."""
    names = {name.lower().encode() for name in headers}

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        kept = [(k, v) for k, v in scope["headers"] if k.lower() not in names]
        added = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return {**scope, "headers": kept + added}, body

    return change


def pretend_deleted(scope: Scope) -> tuple[int, Body]:
    """Answer a delete as done without deleting anything."""
    return 200, {"id": scope["path"].rstrip("/").rsplit("/", 1)[-1], "deleted": True}


def lie_about_totals(total_field: str, by: int = 1) -> Callable[[int, Body], tuple[int, Body]]:
    """A paged answer whose total is off by ``by`` (its pages and records stay honest)."""
    return on_success(lambda body: {**body, total_field: body[total_field] + by})


def drop_query_parameter(name: str) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """Leave one query parameter out of the request: the operation ignores that filter."""
    key = name.lower().encode()

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        kept = [p for p in scope["query_string"].split(b"&") if p.partition(b"=")[0].lower() != key]
        return {**scope, "query_string": b"&".join(kept)}, body

    return change


def to_path(pattern: str, replacement: str) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """Answer the request as if it named another path (e.g. ``all`` for a type segment)."""
    compiled = re.compile(pattern)

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        path = compiled.sub(replacement, scope["path"])
        return {**scope, "path": path, "raw_path": path.encode()}, body

    return change


def swap_query_value(asked: bytes, answered: bytes) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """Answer the request as if it asked ``answered`` where it asked ``asked`` (e.g. another sort)."""

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        return {**scope, "query_string": scope["query_string"].replace(asked, answered)}, body

    return change


# --- blocks for the workflow faults: writes that change nothing, lookups that answer the wrong record ----


class Answer(_Intercept):
    """Answers requests matching ``METHOD path-regex`` from the request: the sandbox never sees them."""

    def __init__(
        self, app: ASGIApp, method: str, path: str, respond: Callable[[Scope, bytes], tuple[int, Body]]
    ) -> None:
        super().__init__(app, method, path)
        self.respond = respond

    async def intercept(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        status, answer = self.respond(scope, body)
        await _send_json(send, status, answer)


def answer(method: str, path: str, respond: Callable[[Scope, bytes], tuple[int, Body]]) -> Wrap:
    """A ``Fault.wrap`` answering matching requests with ``respond(scope, body)``: a write storing nothing."""

    def wrap(sandbox: Sandbox) -> ASGIApp:
        return Answer(sandbox, method, path, respond)

    return wrap


def pretend(
    status: int, make: Callable[[list[str], dict[str, Any]], Body]
) -> Callable[[Scope, bytes], tuple[int, Body]]:
    """Answer ``status`` with ``make(path segments, JSON body)``, as if the write were done."""

    def respond(scope: Scope, body: bytes) -> tuple[int, Body]:
        try:
            sent = json.loads(body) if body else {}
        except ValueError:
            sent = {}
        return status, make(scope["path"].strip("/").split("/"), sent if isinstance(sent, dict) else {})

    return respond


def as_read(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """An update answered as a read of the record: success, and nothing changed."""
    return {**scope, "method": "GET", "query_string": b""}, b""


def change_query_parameter(
    name: str, change: Callable[[str], str]
) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """The request with query parameter ``name``'s value changed (e.g. an exact filter made loose)."""
    from urllib.parse import parse_qsl, urlencode

    def rewrite_query(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        pairs = parse_qsl(scope["query_string"].decode(), keep_blank_values=True)
        changed = [(k, change(v) if k == name else v) for k, v in pairs]
        return {**scope, "query_string": urlencode(changed).encode()}, body

    return rewrite_query


def stale_record(method: str, path: str) -> Wrap:
    """A read by id that answers the record it answered last time (a cache keyed without the id)."""

    def wrap(sandbox: Sandbox) -> ASGIApp:
        # Per wrapped sandbox, so two runs never share what was cached.
        cached: list[Body] = []

        def respond(status: int, body: Body) -> tuple[int, Body]:
            if status != 200:
                return status, body
            if not cached:
                cached.append(body)
            return status, cached[0]

        return Rewrite(sandbox, method, path, response=respond)

    return wrap


def drop_body_field(name: str) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """Leave one field out of a JSON body: the operation ignores that parameter (e.g. a filter)."""

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        try:
            parsed = json.loads(body)
            parsed.pop(name)
        except (ValueError, KeyError, TypeError, AttributeError):
            return scope, body
        return scope, json.dumps(parsed).encode()

    return change


Ask = Callable[[str, str, Body], Awaitable[tuple[int, Body]]]
Consulted = Callable[[Ask, Scope, Body], Awaitable[tuple[int, Body] | None]]


class Consult(_Intercept):
    """Answers requests matching ``METHOD path-regex`` itself, from what it asks the app it wraps.

    ``answer(ask, scope, body)`` gets the request's JSON body (``None`` if it has none) and may call
    ``await ask(method, path, json_body)`` for ``(status, body)`` of another request to the app (with the
    request's headers); it returns the answer to send, or ``None`` to pass the request on unchanged.
    """

    def __init__(self, app: ASGIApp, method: str | None, path: str, answer: Consulted) -> None:
        super().__init__(app, method, path)
        self.answer = answer

    async def intercept(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await read_body(receive)
        try:
            parsed: Body = json.loads(raw) if raw else None
        except ValueError:
            parsed = None

        async def ask(method: str, path: str, payload: Body) -> tuple[int, Body]:
            kept = [
                (k, v) for k, v in scope["headers"] if k.lower() not in (b"content-type", b"content-length")
            ]
            asked = {
                **scope,
                "method": method,
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "headers": [*kept, (b"content-type", b"application/json")],
            }
            status, body = await _exchange(self.app, asked, json.dumps(payload).encode())
            return status, json.loads(body)

        answered = await self.answer(ask, scope, parsed)
        if answered is None:
            await self.app(scope, replay(raw), send)
        else:
            await _send_json(send, *answered)


async def _exchange(app: ASGIApp, scope: Scope, body: bytes) -> tuple[int, bytes]:
    status, chunks = 500, []

    async def keep(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, replay(body), keep)
    return status, b"".join(chunks)


def consult(method: str | None, path: str, answer: Consulted) -> Wrap:
    """A ``Fault.wrap`` applying ``Consult`` to the sandbox."""

    def wrap(sandbox: Sandbox) -> ASGIApp:
        return Consult(sandbox, method, path, answer)

    return wrap


# --- credentials a broken server lets through ----------------------------------------------------


def _headers_without(scope: Scope, names: set[str]) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in scope["headers"] if k.decode("latin-1").lower() not in names]


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode()
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == wanted), None)


def any_key(api: str, field: str) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """Whatever ``field`` of the API's key scheme came (or none), wherever it travelled: the valid one."""
    scheme = get_vendor(api).credentials
    sources = next(f for f in scheme.fields if f.name == field).sources
    valid = scheme.defaults[0][field]
    headers = {s.name.lower() for s in sources if s.where == "header"}
    params = {s.name for s in sources if s.where == "query"}
    in_body = {s.name for s in sources if s.where in ("form", "json")}
    carrier = next((s for s in sources if s.where == "header"), None)

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        query = [
            (k, v) for k, v in parse_qsl(scope["query_string"].decode("latin-1"), True) if k not in params
        ]
        content_type = (_header(scope, "content-type") or "").lower()
        if body and "json" in content_type:
            loaded = json.loads(body)
            if isinstance(loaded, dict):
                body = json.dumps({k: v for k, v in loaded.items() if k not in in_body}).encode()
        elif body and "x-www-form-urlencoded" in content_type:
            pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
            body = urlencode([(k, v) for k, v in pairs if k not in in_body]).encode()
        kept = _headers_without(scope, headers | {"content-length"})
        kept.append((b"content-length", str(len(body)).encode()))
        if carrier is not None:
            kept.append((carrier.name.lower().encode(), valid.encode()))
        else:
            query.append((next(iter(params)), valid))
        return {**scope, "headers": kept, "query_string": urlencode(query).encode()}, body

    return change


async def _login(sandbox: Sandbox, api: str) -> str:
    """A fresh token from the sandbox's own login call, with the API's first credential."""
    vendor = get_vendor(api)
    scheme = vendor.credentials
    assert isinstance(scheme, LoginScheme)
    credential = scheme.defaults[0]
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://sandbox{vendor.prefix}") as client:
        response = await client.post(
            scheme.login_path, json=scheme.login_json(credential), headers=scheme.headers(credential)
        )
    return token_of(response)


def _with_token(scope: Scope, source: Source, token: str) -> Scope:
    kept = _headers_without(scope, {source.name.lower()})
    return {**scope, "headers": [*kept, (source.name.lower().encode(), source.carry(token).encode())]}


def prefix_added(api: str) -> Callable[[Scope, bytes], tuple[Scope, bytes]]:
    """A token sent without the prefix the API requires (``Bearer``) gets it: a raw token is accepted."""
    scheme = get_vendor(api).credentials
    source: Source = getattr(scheme, "token")  # noqa: B009  (a login or signed scheme's token)

    def change(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        sent = _header(scope, source.name)
        if sent is None or not sent.strip() or source.strip(sent):
            return scope, body
        return _with_token(scope, source, sent.strip()), body

    return change


class LoginTokens:
    """Watches the API's logins; on ``METHOD path`` swaps a token ``kept`` lets through for a valid one.

    ``kept(token, issued)`` sees the sent token and what is known of it (``None``: never issued; else
    when it was issued, on the sandbox clock, and whether a later login of the same account revoked it).
    """

    def __init__(
        self,
        sandbox: Sandbox,
        api: str,
        method: str,
        path: str,
        kept: Callable[[tuple[float, bool] | None], bool],
    ) -> None:
        self.sandbox = sandbox
        self.api = api
        scheme = get_vendor(api).credentials
        assert isinstance(scheme, LoginScheme)
        self.scheme = scheme
        self.kept = kept
        self.login_path = f"{get_vendor(api).prefix}{scheme.login_path}"
        self.issued: dict[str, tuple[str, float]] = {}
        self.latest: dict[str, str] = {}
        self.swap = Rewrite(sandbox, method, path, request=self._swapped)

    async def _swapped(self, scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        sent = _header(scope, self.scheme.token.name)
        if sent is None:
            return scope, body
        token = self.scheme.token.strip(sent)
        found = self.issued.get(token)
        known = (found[1], self.latest.get(found[0]) != token) if found is not None else None
        if not self.kept(known):
            return scope, body
        return _with_token(scope, self.scheme.token, await _login(self.sandbox, self.api)), body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.login_path or scope["method"] != "POST":
            await self.swap(scope, receive, send)
            return
        account = ""
        chunks: list[bytes] = []

        async def listen() -> Message:
            nonlocal account
            message = await receive()
            account += message.get("body", b"").decode("latin-1")
            return message

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.sandbox(scope, listen, keep)
        try:
            token = json.loads(b"".join(chunks))
        except ValueError:
            return
        if isinstance(token, str):
            self.issued[token] = (account, self.sandbox.clock.now())
            self.latest[account] = token


def login_tokens(
    api: str, method: str, path: str, kept: Callable[[tuple[float, bool] | None, float, float], bool]
) -> Wrap:
    """A ``Fault.wrap``: on ``METHOD path``, a token that ``kept(known, lifetime, now)`` lets through is
    swapped for a valid one (the operation accepts it). ``known`` is ``None`` for a token never issued,
    else ``(issued, revoked)``: when, on the sandbox clock, and whether a later login revoked it."""

    def wrap(sandbox: Sandbox) -> ASGIApp:
        scheme = get_vendor(api).credentials
        assert isinstance(scheme, LoginScheme)
        lifetime = scheme.lifetime
        return LoginTokens(sandbox, api, method, path, lambda k: kept(k, lifetime, sandbox.clock.now()))

    return wrap


def _claims(token: str) -> dict[str, Any] | None:
    try:
        payload = token.split(".")[1]
        loaded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def resigned(api: str, method: str, path: str, change: Callable[[str, dict[str, Any], float], bool]) -> Wrap:
    """A ``Fault.wrap``: on ``METHOD path``, a signed token ``change(token, claims, now)`` edits (in place,
    answering whether to) is signed again, validly, with the edited claims: the operation accepts it."""

    def wrap(sandbox: Sandbox) -> ASGIApp:
        scheme = get_vendor(api).credentials
        assert isinstance(scheme, SignedScheme)
        key = scheme.defaults[0][scheme.key_field]

        def request(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
            sent = _header(scope, scheme.token.name)
            token = scheme.token.strip(sent) if sent is not None else ""
            claims = _claims(token)
            if claims is None or not change(token, claims, sandbox.clock.now()):
                return scope, body
            return _with_token(scope, scheme.token, scheme.encode(claims, key)), body

        return Rewrite(sandbox, method, path, request=request)

    return wrap


def verifies(api: str) -> Callable[[str], bool]:
    """Whether a token is signed with the API's key by its algorithm (the checks a fault keeps)."""
    scheme = get_vendor(api).credentials
    assert isinstance(scheme, SignedScheme)
    key = scheme.defaults[0][scheme.key_field]

    def check(token: str) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            try:
                jwt.decode(
                    token,
                    key,
                    algorithms=[scheme.algorithm],
                    options={"verify_iat": False, "verify_jti": False},
                )
            except jwt.PyJWTError:
                return False
        return True

    return check
