"""Copy as curl: one call to a served API as a POSIX-shell command that makes it, authenticated.

``curl_command`` is pure: given a credential scheme (``mockserver.vendors.credentials``), a credential,
the call and the sandbox clock's "now", it answers the command text. It runs the scheme's own
``httpx.Auth`` flow without a network, so the credentials travel exactly as the sandbox's clients send
them (keys in headers, the query, a JSON or form body merged with the call's; a token signed now; a login
first): each request the flow would send becomes a curl. An answer the flow waits for (a login's) is
taken to be a placeholder token, which the command fills from the real answer in a shell variable
(``sed``, no ``jq``). A signed token is signed on the sandbox clock, so a command is fresh when made.

``example_call`` picks an API's example call from its index; ``curl_for`` is the control plane's
``POST /__sandbox__/apis/{api}/curl`` (the dashboard's "Copy as curl").
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from .index import ApiIndex, Operation
from .sessions import HEADER as SESSION
from .vendors.credentials import Credential, CredentialScheme, LoginScheme, SignedScheme

if TYPE_CHECKING:
    from .vendors.base import VendorContext

# What a login's answer is taken to be while the flow runs; the command puts "$token" in its place.
_PLACEHOLDER = "LMSSANDBOXTOKENPLACEHOLDER"
_VARIABLE = '"$token"'
# The token in a login answer: a bare JSON string, or "token" / "access_token" / "accessToken" in an
# object (``credentials.token_of``); a token holding a JSON escape (``\\"``) is not read.
_TOKEN_SED = (
    r"""sed -n -e 's/^[[:space:]]*"\([^"]*\)"[[:space:]]*$/\1/p' """
    r"""-e 's/.*"\(access\)\{0,1\}_\{0,1\}[tT]oken"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\2/p'"""
)
# Headers httpx adds to a request itself; curl sends its own.
_OWN_HEADERS = frozenset({b"host", b"content-length"})


@dataclass(frozen=True, slots=True)
class Call:
    """One call: its method, absolute URL (query included), body and the body's content type."""

    method: str
    url: str
    body: bytes | str = b""
    content_type: str | None = None
    headers: Mapping[str, str] | None = None

    def request(self) -> httpx.Request:
        body = self.body.encode() if isinstance(self.body, str) else self.body
        headers = dict(self.headers or {})
        if body and self.content_type:
            headers["Content-Type"] = self.content_type
        return httpx.Request(self.method.upper(), self.url, headers=headers, content=body or None)


@dataclass(frozen=True, slots=True)
class CurlCommand:
    """A command text, the seconds it stays valid for (``None``: until the credentials change), a note."""

    command: str
    expires_in: float | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"command": self.command, "expires_in": self.expires_in, "note": self.note}


def curl_command(
    scheme: CredentialScheme,
    credential: Credential | None,
    call: Call,
    *,
    api_url: str,
    now: float,
    session: str | None = None,
) -> CurlCommand:
    """The shell command making ``call`` with ``credential`` sent the way ``scheme`` says.

    Args:
        scheme: the API's credential scheme.
        credential: the credential to send; ``None`` for the call without any.
        call: the call; its headers are the API's client headers (a version header).
        api_url: the API's base URL, which a login path is relative to.
        now: the sandbox clock's time (epoch seconds): a signed token is dated by it.
        session: the ``X-Sandbox-Session`` every step sends, if any.

    Example:
        ``curl_command(scheme, scheme.defaults[0], Call("GET", "http://127.0.0.1:8000/api/users"),
        api_url="http://127.0.0.1:8000/api", now=clock.now())``
    """
    headers = {**(call.headers or {}), **({SESSION: session} if session else {})}
    request = Call(call.method, call.url, call.body, call.content_type, headers).request()
    # A body the credentials joined is a new request, its header names in lower case: spelled back.
    names = {name.lower(): name for name in (*headers, "Content-Type")}
    if credential is None:
        return CurlCommand(_curl(request, names), None, "The call without credentials.")
    auth = scheme.auth(credential, clock=lambda: now, base_url=api_url)
    *steps, last = list(_requests(auth, request))
    for step in steps:
        # A login step: the API's client headers too, as a client's default headers go on every call.
        for name, value in headers.items():
            step.headers.setdefault(name, value)
    lines = [
        f"token=$({_curl(step, names, fail=True)} | {_TOKEN_SED}) && [ -n {_VARIABLE} ] &&" for step in steps
    ]
    return CurlCommand("\n".join([*lines, _curl(last, names)]), *_validity(scheme, steps))


def _requests(auth: httpx.Auth, request: httpx.Request) -> Iterator[httpx.Request]:
    """Every request ``auth`` sends for ``request``, each answered 200 with the placeholder token."""
    flow = auth.sync_auth_flow(request)
    sent = next(flow)
    while True:
        yield sent
        try:
            sent = flow.send(httpx.Response(200, json=_PLACEHOLDER, request=sent))
        except StopIteration:
            return


def _validity(scheme: CredentialScheme, steps: list[httpx.Request]) -> tuple[float | None, str]:
    if isinstance(scheme, SignedScheme):
        return scheme.max_age, (
            f"Its token is signed now, on the sandbox clock, and is single-use (its {scheme.unique_claim}): "
            f"run the command once, within {scheme.max_age:g} seconds of sandbox time; fetch a new one after."
        )
    if isinstance(scheme, LoginScheme) and steps:
        revokes = " A new login revokes the user's previous token." if scheme.revoke_previous else ""
        return None, (
            f"It logs in first ({scheme.login_path}) and keeps the token in $token, which lasts "
            f"{scheme.lifetime:g} seconds of sandbox time.{revokes}"
        )
    return None, "The credentials travel with the call; the command works until they change."


def _curl(request: httpx.Request, names: Mapping[str, str], *, fail: bool = False) -> str:
    """``request`` as a curl command line (``fail``: exit non-zero, printing nothing, on a 4xx/5xx)."""
    words = ["curl", "-sS", "-f"] if fail else ["curl", "-sS"]
    body = request.read()
    if request.method == "HEAD":
        words.append("-I")  # curl -X HEAD would wait for a body that never comes
    elif request.method != "GET" or body:
        words += ["-X", request.method]
    for raw, value in request.headers.raw:
        if raw.lower() not in _OWN_HEADERS:
            name = raw.decode("latin-1")
            words += ["-H", f"{names.get(name.lower(), name)}: {value.decode('latin-1')}"]
    text = _text(body)
    if text is not None and body:
        words += ["--data-binary", text]
    elif body:
        words += ["--data-binary", "@-"]
    line = " ".join(_quote(word) for word in [*words, str(request.url)])
    return line if text is not None else f"printf {shlex.quote(_printf_format(body))} | {line}"


def _text(body: bytes) -> str | None:
    """``body`` as a shell word can hold it: UTF-8 without NUL; ``None`` for anything else."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text


def _printf_format(body: bytes) -> str:
    """A ``printf`` format writing ``body`` byte for byte (octal escapes; ``%`` and ``\\`` doubled)."""
    return "".join(
        "%%" if b == 0x25 else "\\\\" if b == 0x5C else chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}"
        for b in body
    )


def _quote(word: str) -> str:
    """``word`` for a POSIX shell, the placeholder token becoming ``"$token"``."""
    if _PLACEHOLDER not in word:
        return shlex.quote(word)
    return _VARIABLE.join(shlex.quote(part) if part else "" for part in word.split(_PLACEHOLDER))


def without_credentials(
    scheme: CredentialScheme, query: str, body: str, content_type: str | None
) -> tuple[str, str]:
    """``query`` and ``body`` without the scheme's credential fields (a journal keeps them redacted):
    the command sends the credential's own values instead."""
    names = {(s.where, s.name) for f in scheme.fields for s in f.sources}
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if ("query", k) not in names]
    query = urlencode(kept) if len(kept) < len(parse_qsl(query, keep_blank_values=True)) else query
    kind = (content_type or "").lower()
    if body and "json" in kind:
        try:
            loaded = json.loads(body)
        except ValueError:
            return query, body
        if isinstance(loaded, dict) and any(("json", k) in names for k in loaded):
            body = json.dumps({k: v for k, v in loaded.items() if ("json", k) not in names})
    elif body and "x-www-form-urlencoded" in kind:
        pairs = parse_qsl(body, keep_blank_values=True)
        if any(("form", k) in names for k, _ in pairs):
            body = urlencode([(k, v) for k, v in pairs if ("form", k) not in names])
    return query, body


def with_login_fields(api: Api, path: str, body: str, content_type: str | None) -> str:
    """A login call's JSON ``body`` with the credential's login fields (a journal keeps them redacted):
    the command logs in with the API's own username, password and key."""
    scheme = api.scheme
    if not isinstance(scheme, LoginScheme) or path.lower() != f"{api.prefix}{scheme.login_path}".lower():
        return body
    if "json" not in (content_type or "").lower():
        return body
    try:
        loaded = json.loads(body) if body else {}
    except ValueError:
        return body
    return json.dumps({**loaded, **scheme.login_json(api.credential)}) if isinstance(loaded, dict) else body


def example_call(index: ApiIndex, client_headers: Mapping[str, str], named: str | None) -> Operation | None:
    """An API's example call: the operation ``named`` (the descriptor's ``example_call``), else its
    first documented, non-deprecated, secured GET a client makes with no argument (a required header
    it sends by default aside)."""
    if named is not None:
        return index.operations[named]
    sent = {name.lower() for name in client_headers}

    def plain(op: Operation) -> bool:
        return all(
            not p.get("required") or (p.get("in") == "header" and str(p.get("name", "")).lower() in sent)
            for p in op.parameters
        )

    return next(
        (
            op
            for op in index.every()
            if op.method == "GET" and op.secured and not op.definition.get("deprecated") and plain(op)
        ),
        None,
    )


def guess_type(body: str) -> str:
    """The content type of a body given without one (a journal keeps none): JSON when it looks like it."""
    return "application/json" if body.lstrip()[:1] in ("{", "[") else "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Api:
    """What the control plane knows of one served API: its name, base URL, index, scheme, credential."""

    name: str
    base_url: str
    prefix: str
    index: ApiIndex
    scheme: CredentialScheme
    credential: Credential
    client_headers: Mapping[str, str]
    example: str | None = None

    @classmethod
    def of(cls, ctx: VendorContext, base_url: str, prefix: str) -> Api:
        """The API of ``ctx`` (a vendor's context), served at ``base_url`` under ``prefix``."""
        vendor = ctx.vendor
        return cls(
            vendor.name,
            base_url,
            prefix,
            ctx.index,
            vendor.credentials,
            ctx.credentials[0],
            vendor.client_headers,
            vendor.example_call,
        )


def curl_for(
    api: Api, asked: Mapping[str, Any], *, origin: str, now: float, session: str | None
) -> CurlCommand:
    """``POST /__sandbox__/apis/{api}/curl``: the command for the call ``asked`` (``method``, ``path``
    as served, ``query``, ``body``, ``content_type``), or for the API's example call when it names no
    path. ValueError (a 400) for a path not under the API; LookupError (a 404) for no example call."""
    path = asked.get("path")
    if path is None:
        operation = example_call(api.index, api.client_headers, api.example)
        if operation is None:
            raise LookupError(f"{api.name} has no example call: POST a method and a path")
        method, path, query, body = operation.method, f"{api.prefix}{operation.path}", "", ""
    else:
        method, query, body = (
            str(asked.get("method", "GET")),
            str(asked.get("query", "")),
            str(asked.get("body", "")),
        )
    # A journal's path under /__session__/NAME (or a proxy's root path) holds the origin's path already.
    root = urlsplit(origin).path.rstrip("/")
    if root and path.startswith(f"{root}/"):
        path = path[len(root) :]
    if not path.startswith(f"{api.prefix}/") or path.startswith("//") or any(c in path for c in "?#"):
        raise ValueError(f"{path!r} is not a path under {api.name}'s prefix {api.prefix or '/'}")
    content_type = asked.get("content_type") or (guess_type(body) if body else None)
    if any(ord(c) < 0x20 or c == "\x7f" for c in f"{path}{content_type or ''}"):
        raise ValueError("a path or content type holds a control character")
    query, body = without_credentials(api.scheme, query, body, content_type)
    body = with_login_fields(api, path, body, content_type)
    url = f"{origin}{path}{'?' + query if query else ''}"
    call = Call(method, url, body, content_type, api.client_headers)
    try:
        return curl_command(api.scheme, api.credential, call, api_url=api.base_url, now=now, session=session)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a URL curl can call: {exc}") from exc
    except ValueError as exc:  # a JSON body that is not JSON, where credentials must join it
        raise ValueError(f"the body is not {content_type}: {exc}") from exc


__all__ = [
    "Api",
    "Call",
    "CurlCommand",
    "curl_command",
    "curl_for",
    "example_call",
    "guess_type",
    "with_login_fields",
    "without_credentials",
]
