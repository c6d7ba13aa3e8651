"""Credential schemes as data: where a vendor's credentials travel, the defaults, how refusals look.

One scheme serves both sides: the sandbox's credential edge reads it to find and check credentials,
and ``scheme.auth(credential)`` gives clients (the pytest plugin's, the contracts') an ``httpx.Auth``
that sends them, so a test never pastes credentials. Import-light: httpx only (PyJWT when signing).

A credential is a mapping of field name to value, e.g. ``{"token": "..."}`` or
``{"api_key": "...", "acct_key": "..."}``; on the command line it is ``VALUE`` for a one-field scheme
and ``field=value,field=value`` otherwise.
"""

from __future__ import annotations

import json
import secrets
import time
import warnings
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode

import httpx

Credential = Mapping[str, str]
Clock = Callable[[], float]
# Sends one request (a login call) and answers its response, read: how ``call_headers`` logs in.
Send = Callable[[httpx.Request], httpx.Response]
LOCATIONS = ("header", "query", "form", "json")
# The header naming a request's session (``mockserver.sessions.HEADER``; not imported: the contracts
# read credentials without the server's modules).
SESSION_HEADER = "x-sandbox-session"
BODILESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Source:
    """One place a credential field may travel: a header, a query or form parameter, a JSON field.

    ``prefixes`` are auth schemes a client may put before the value (``Bearer``); they are stripped.
    With ``prefixed``, a value without one of them carries no credential (Coursepath's ``Bearer``).
    """

    where: str
    name: str
    prefixes: tuple[str, ...] = ()
    prefixed: bool = False

    def __post_init__(self) -> None:
        if self.where not in LOCATIONS:
            raise ValueError(f"a credential travels in one of {', '.join(LOCATIONS)}, not {self.where!r}")
        if self.prefixed and not self.prefixes:
            raise ValueError(f"{self.name}: a source that needs a prefix must name one")

    def carry(self, token: str) -> str:
        """``token`` as a client sends it here: after the first prefix (``Bearer <token>``), if any."""
        return f"{self.prefixes[0]} {token}" if self.prefixes else token

    def strip(self, value: str) -> str:
        value = value.strip()
        scheme, _, rest = value.partition(" ")
        if any(scheme.lower() == p.lower() for p in self.prefixes):
            # A bare "Bearer" carries no credential: it is missing, not a wrong one.
            return rest.strip()
        # A raw token where the vendor takes only "Bearer <token>" is refused as a missing one.
        return "" if self.prefixed else value


def header(name: str, *prefixes: str, prefixed: bool = False) -> Source:
    """A header; with ``prefixed``, its value must start with one of ``prefixes`` (``Bearer``)."""
    return Source("header", name, prefixes, prefixed)


def query(name: str) -> Source:
    return Source("query", name)


def form(name: str) -> Source:
    return Source("form", name)


def json_field(name: str) -> Source:
    return Source("json", name)


@dataclass(frozen=True, slots=True)
class Refusal:
    """How the vendor refuses: a status and a message for its error renderer, or a fixed body.

    The message may use ``{reason}`` (why a signed token was refused).
    """

    status: int
    message: str
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Field:
    """A credential field and the places the server looks for it, in order; clients use the first."""

    name: str
    sources: tuple[Source, ...]

    def __post_init__(self) -> None:
        if not self.sources:
            raise ValueError(f"credential field {self.name!r} needs at least one source")


@dataclass(frozen=True, slots=True)
class CredentialScheme:
    """Base of every scheme: the fields sent with each request, the accepted defaults, the refusals."""

    fields: tuple[Field, ...]
    defaults: tuple[Credential, ...]
    missing: Refusal
    invalid: Refusal

    kind: ClassVar[str] = "key"

    def __post_init__(self) -> None:
        if not self.defaults:
            raise ValueError("a credential scheme needs at least one default credential")
        for credential in self.defaults:
            self.check(credential)

    @property
    def headers_only(self) -> bool:
        """Whether every field travels in a header: the credential is then a fixed set of headers."""
        return self.kind == "key" and all(f.sources[0].where == "header" for f in self.fields)

    @property
    def names(self) -> tuple[str, ...]:
        """Every field a credential of this scheme has."""
        return tuple(f.name for f in self.fields)

    def check(self, credential: Credential) -> dict[str, str]:
        """``credential`` as a plain dict; ValueError naming what is missing."""
        lacking = [name for name in self.names if not credential.get(name)]
        if lacking:
            raise ValueError(f"a credential of this scheme needs {', '.join(lacking)}")
        return {name: str(credential[name]) for name in self.names}

    def parse(self, text: str) -> dict[str, str]:
        """A credential from the command line: ``VALUE`` for one field, else ``field=value,...``."""
        # A lone value may hold "=" itself (base64 padding): only "name=" makes it a pair.
        if len(self.names) == 1 and not text.strip().startswith(f"{self.names[0]}="):
            return self.check({self.names[0]: text})
        pairs = [item.partition("=") for item in text.split(",") if item.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise ValueError(f"expected {','.join(f'{n}=VALUE' for n in self.names)}; got {text!r}")
        return self.check({name.strip(): value.strip() for name, _, value in pairs})

    def format(self, credential: Credential) -> str:
        """The command-line form of ``credential`` (the inverse of ``parse``)."""
        if len(self.names) == 1:
            return str(credential[self.names[0]])
        return ",".join(f"{name}={credential[name]}" for name in self.names)

    def sent(self, credential: Credential, method: str = "POST") -> dict[str, dict[str, str]]:
        """What a client sends for ``credential``, by location: ``{"header": {...}, "query": {...}}``.

        Each field goes in its first source, except that a request without a body (``GET``...) sends
        a field that may travel in the query there instead of in a form or JSON body.
        """
        out: dict[str, dict[str, str]] = {}
        for f in self.fields:
            source = f.sources[0]
            if source.where in ("form", "json") and method.upper() in BODILESS:
                source = next((s for s in f.sources if s.where in ("header", "query")), source)
            out.setdefault(source.where, {})[source.name] = str(credential[f.name])
        return out

    def headers(self, credential: Credential) -> dict[str, str]:
        """The headers that carry ``credential`` (empty for a scheme that sends none)."""
        return self.sent(credential).get("header", {})

    def describe(self, credential: Credential) -> dict[str, Any]:
        """JSON for ``/__sandbox__/apis`` and the banner: the kind, the values and where each goes."""
        return {
            "kind": self.kind,
            "values": dict(credential),
            "fields": {f.name: [{"in": s.where, "name": s.name} for s in f.sources] for f in self.fields},
            "send": self.sent(credential),
        }

    def auth(self, credential: Credential, *, clock: Clock | None = None, base_url: str = "") -> httpx.Auth:
        """An ``httpx.Auth`` that sends ``credential`` the way the vendor takes it.

        ``clock`` dates signed tokens (the sandbox clock); ``base_url`` is the API's root, which a
        login path is relative to.
        """
        return SendFields(self, self.check(credential))


@dataclass(frozen=True, slots=True)
class KeyScheme(CredentialScheme):
    """Credentials sent with every request: keys or tokens in headers, query, form or JSON fields."""

    kind: ClassVar[str] = "key"


@dataclass(frozen=True, slots=True)
class LoginScheme(CredentialScheme):
    """A token obtained from a login call, then sent with every request (with any key ``fields`` too).

    Args:
        login_fields: credential fields used only to log in (``username``, ``password``).
        login_path: the login operation's path under the vendor's base URL (``/authenticate``).
        login_body: JSON body of the login call: body key -> credential field.
        token: where the token travels on each request.
        token_missing, token_invalid: refusals of a missing, and of an unknown or expired, token.
        lifetime: seconds a token lasts, on the sandbox clock.
        revoke_previous: a new login revokes the user's previous token.
    """

    login_fields: tuple[str, ...] = ()
    login_path: str = "/login"
    login_body: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    token: Source = field(default_factory=lambda: header("Authorization", "Bearer"))
    token_missing: Refusal = field(default_factory=lambda: Refusal(401, "Missing token"))
    token_invalid: Refusal = field(default_factory=lambda: Refusal(401, "Invalid or expired token"))
    lifetime: float = 3600.0
    revoke_previous: bool = False

    kind: ClassVar[str] = "login"

    @property
    def names(self) -> tuple[str, ...]:
        return (*(f.name for f in self.fields), *self.login_fields)

    def login_json(self, credential: Credential) -> dict[str, str]:
        return {key: str(credential[name]) for key, name in self.login_body.items()}

    def describe(self, credential: Credential) -> dict[str, Any]:
        described = CredentialScheme.describe(self, credential)
        described["login"] = {"method": "POST", "path": self.login_path, "json": self.login_json(credential)}
        described["token"] = {"in": self.token.where, "name": self.token.name}
        return described

    def auth(self, credential: Credential, *, clock: Clock | None = None, base_url: str = "") -> httpx.Auth:
        checked = self.check(credential)
        login_url = f"{base_url.rstrip('/')}{self.login_path}"
        return LoginAuth(self, checked, login_url, self.login_json(checked), self.token)


@dataclass(frozen=True, slots=True)
class SignedScheme(CredentialScheme):
    """A token signed per request with a shared key (a JWT, HS256 only), naming who the call acts for.

    The credential holds ``key_field`` (the signing key, never sent) and ``subject_field`` (sent as the
    ``subject_claim``). Each token carries ``iat`` (refused when older than ``max_age`` or ahead of the
    sandbox clock by more than ``skew``) and a single-use ``unique_claim``.
    """

    key_field: str = "key"
    subject_field: str = "subject"
    subject_claim: str = "sub"
    unique_claim: str = "jti"
    token: Source = field(default_factory=lambda: header("Authorization", "Bearer"))
    algorithm: str = "HS256"
    max_age: float = 300.0
    skew: float = 30.0

    kind: ClassVar[str] = "signed"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.key_field, self.subject_field)

    def sent(self, credential: Credential, method: str = "POST") -> dict[str, dict[str, str]]:
        return {}

    def describe(self, credential: Credential) -> dict[str, Any]:
        described = CredentialScheme.describe(self, credential)
        described["token"] = {
            "in": self.token.where,
            "name": self.token.name,
            "algorithm": self.algorithm,
            "claims": [self.subject_claim, "iat", self.unique_claim],
        }
        return described

    def claims(self, credential: Credential, *, now: float | None = None) -> dict[str, Any]:
        """The claims of a fresh token for ``credential``: subject, ``iat`` and a new ``unique_claim``."""
        return {
            self.subject_claim: credential[self.subject_field],
            "iat": int(time.time() if now is None else now),
            self.unique_claim: secrets.token_hex(8),
        }

    def encode(self, claims: Mapping[str, Any], key: str, algorithm: str | None = None) -> str:
        """``claims`` signed with ``key`` (by the scheme's algorithm unless another is named)."""
        import jwt

        with warnings.catch_warnings():
            # The vendor, not the sandbox, chooses the key's length (real academy keys are short).
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            return str(jwt.encode(dict(claims), key, algorithm=algorithm or self.algorithm))

    def sign(self, credential: Credential, *, now: float | None = None) -> str:
        """A fresh token for ``credential`` (a new ``unique_claim`` each time)."""
        return self.encode(self.claims(credential, now=now), credential[self.key_field])

    def auth(self, credential: Credential, *, clock: Clock | None = None, base_url: str = "") -> httpx.Auth:
        checked = self.check(credential)

        def token() -> str:
            return self.token.carry(self.sign(checked, now=clock() if clock is not None else None))

        return SignedAuth(self.token, token)


def _send(request: httpx.Request, location: str, values: Mapping[str, str]) -> httpx.Request:
    """``request`` carrying ``values`` in ``location`` (keeping what the caller sent there itself)."""
    if not values:
        return request
    if location == "header":
        for name, value in values.items():
            request.headers.setdefault(name, value)
        return request
    if location == "query":
        present = dict(request.url.params)
        request.url = request.url.copy_merge_params({k: v for k, v in values.items() if k not in present})
        return request
    body = request.read()
    content_type = request.headers.get("content-type", "")
    if location == "json" and (not body or "json" in content_type):
        loaded = json.loads(body) if body else {}
        if isinstance(loaded, dict):
            loaded = {**values, **loaded}
        return _with_body(request, json.dumps(loaded).encode(), "application/json")
    if location in ("form", "json") and (not body or "x-www-form-urlencoded" in content_type):
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        given = {k for k, _ in pairs}
        pairs += [(k, v) for k, v in values.items() if k not in given]
        return _with_body(request, urlencode(pairs).encode(), "application/x-www-form-urlencoded")
    # A body the credentials cannot join (multipart, another type): send them as query parameters.
    return _send(request, "query", values)


def _with_body(request: httpx.Request, body: bytes, content_type: str) -> httpx.Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length",)}
    headers.setdefault("content-type", content_type)
    return httpx.Request(
        request.method, request.url, headers=headers, content=body, extensions=request.extensions
    )


class SendFields(httpx.Auth):
    """Sends a credential's fields in headers, query, form or JSON fields, as its scheme says."""

    requires_request_body = True

    def __init__(self, scheme: CredentialScheme, credential: Credential) -> None:
        self.scheme = scheme
        self.credential = dict(credential)

    def apply(self, request: httpx.Request) -> httpx.Request:
        for location, values in self.scheme.sent(self.credential, request.method).items():
            request = _send(request, location, values)
        return request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self.apply(request)

    def call_headers(self, send: Send, origin: str) -> dict[str, str]:
        """Headers that carry the credential on one call to the API at ``origin`` (its base URL).

        Each field goes in a header where the scheme lets it travel in one (its first header source);
        ``send`` makes any call needed first (a login).
        """
        out: dict[str, str] = {}
        for f in self.scheme.fields:
            source = next((s for s in f.sources if s.where == "header"), None)
            if source is not None:
                out[source.name] = str(self.credential[f.name])
        return out


class LoginAuth(SendFields):
    """Logs in on first use (and again on a 401), then sends the token with every request."""

    # The login answer is read inside the flow; an async client must have read it first.
    requires_response_body = True

    def __init__(
        self,
        scheme: CredentialScheme,
        credential: Credential,
        login_url: str,
        body: Mapping[str, str],
        token: Source,
    ) -> None:
        super().__init__(scheme, credential)
        self.login_url = httpx.URL(login_url)
        self.body = dict(body)
        self.token_source = token
        self.token: str | None = None

    def _login_request(self, request: httpx.Request) -> httpx.Request:
        # An absolute login URL as given; a bare path on the request's own host.
        url = (
            self.login_url
            if self.login_url.is_absolute_url
            else request.url.copy_with(path=self.login_url.path, query=None)
        )
        # The login is for the request's session (``mockserver.sessions``): a token is a session's own.
        session = request.headers.get(SESSION_HEADER)
        headers = {SESSION_HEADER: session} if session is not None else None
        return self.apply(httpx.Request("POST", url, json=self.body, headers=headers))

    def _with_token(self, request: httpx.Request) -> httpx.Request:
        # A copy: ``_send`` sets headers and query in place, and the retry after a 401 must not find
        # the refused token already there (it would be kept as if the caller had sent it).
        request = self.apply(_copy(request))
        assert self.token is not None
        return _send(
            request, self.token_source.where, {self.token_source.name: self.token_source.carry(self.token)}
        )

    def call_headers(self, send: Send, origin: str) -> dict[str, str]:
        """The keys' headers and this auth's token (logging in first if it has none): the token its
        requests send, so a call made with these headers does not revoke it."""
        out = super().call_headers(send, origin)
        if self.token is None:
            self.token = token_of(send(self._login_request(httpx.Request("GET", origin))))
        if self.token_source.where == "header":
            out[self.token_source.name] = self.token_source.carry(self.token)
        return out

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.url.path == self.login_url.path:
            yield self.apply(request)
            return
        if self.token is None:
            self.token = token_of((yield self._login_request(request)))
        response = yield self._with_token(request)
        if response.status_code == 401:
            self.token = token_of((yield self._login_request(request)))
            yield self._with_token(request)


def _copy(request: httpx.Request) -> httpx.Request:
    return httpx.Request(
        request.method,
        request.url,
        headers=request.headers.copy(),
        content=request.read(),
        extensions=request.extensions,
    )


def token_of(response: httpx.Response) -> str:
    """The token a login call answered: a bare JSON string, or ``token``/``access_token`` in an object.

    Raises ``httpx.HTTPStatusError`` when the login was refused.
    """
    response.read()
    if response.status_code >= 400:
        raise httpx.HTTPStatusError(
            f"login failed with {response.status_code}: {response.text[:200]}",
            request=response.request,
            response=response,
        )
    body = response.json()
    if isinstance(body, str):
        return body
    if isinstance(body, Mapping):
        for key in ("token", "access_token", "accessToken"):
            if isinstance(body.get(key), str):
                return str(body[key])
    raise ValueError(f"the login answer holds no token: {response.text[:200]}")


class SignedAuth(httpx.Auth):
    """Signs a fresh token for every request."""

    def __init__(self, source: Source, token: Callable[[], str]) -> None:
        self.source = source
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield _send(request, self.source.where, {self.source.name: self.token()})

    def call_headers(self, send: Send, origin: str) -> dict[str, str]:
        """A freshly signed token's header, for one call (its unique claim is spent by that call)."""
        return {self.source.name: self.token()} if self.source.where == "header" else {}
