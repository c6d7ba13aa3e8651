"""The credential edge: one vendor-neutral ASGI layer in front of each vendor's Connexion app.

It reads the vendor's descriptor: it finds credentials wherever the scheme says (header, query, form
field, JSON field, a login token, a per-request signed token), counts the vendor's rate limit, checks
its required headers, and refuses in the vendor's own format. A request it lets through carries the
validated ``Identity`` in its scope (``identity_of``), for handlers to act as.

Order, as an API gateway applies its policies: credentials, then the rate limit, then required headers.
"""

from __future__ import annotations

import heapq
import json
import secrets
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ..asgi import read_body, replay, route_path, send_json
from ..clock import SandboxClock
from ..counters import REFUSED
from ..excerpt import shorten
from ..index import ApiIndex, Operation, route_of
from ..ratelimit import RateLimiter
from ..servable import finite, unservable
from ..sessions import active
from ..store import VendorData
from ..vendor_data import TRANSIENT
from .credentials import Credential, CredentialScheme, LoginScheme, Refusal, SignedScheme, Source
from .descriptor import RateLimit, RequiredHeader

if TYPE_CHECKING:
    from ..sessions import SessionState

IDENTITY = "lms_sandbox.identity"
OPERATION = "lms_sandbox.operation_id"
_TOKENS = "lms_sandbox.tokens"
# Single-use token ids seen in their window: kept in memory only (TRANSIENT), as the rate limits are,
# since the state file would otherwise write the whole growing set on every request.
_SEEN = f"{TRANSIENT}lms_sandbox.signed"
# The same ids as a heap of (expiry, id): the expired ones are dropped without reading every id.
_SEEN_EXPIRY = f"{TRANSIENT}lms_sandbox.signed_expiry"
Render = Callable[..., dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request acts as: the credential it carried, and the subject of its token if it had one."""

    credential: Mapping[str, str]
    subject: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)


def identity_of(scope: Scope) -> Identity | None:
    """The identity the edge validated for this request (``None`` where no credential was needed)."""
    found = scope.get("state", {}).get(IDENTITY)
    return found if isinstance(found, Identity) else None


def issue_token(data: VendorData, scheme: LoginScheme, clock: SandboxClock, subject: str) -> str:
    """A new login token for ``subject``, valid for the scheme's lifetime on the sandbox clock.

    With ``revoke_previous``, the subject's earlier token stops working. Tokens live in the vendor's
    data, so a reset forgets them.
    """
    book = data.extras.setdefault(_TOKENS, {"tokens": {}, "latest": {}})
    if scheme.revoke_previous:
        previous = book["latest"].get(subject)
        if book["tokens"].pop(previous, None) is not None:
            # The last token revoked per subject is remembered, so its refusal says why (coverage).
            book.setdefault("revoked", {})[subject] = previous
    token = secrets.token_urlsafe(32)
    book["tokens"][token] = {"subject": subject, "expires": clock.now() + scheme.lifetime}
    book["latest"][subject] = token
    return token


def token_subject(data: VendorData, clock: SandboxClock, token: str) -> str | None:
    """The subject of a live login token, or ``None`` when it is unknown, revoked or expired."""
    entry = data.extras.get(_TOKENS, {}).get("tokens", {}).get(token)
    if entry is None or entry["expires"] <= clock.now():
        return None
    return str(entry["subject"])


def token_fate(data: VendorData, token: str) -> str:
    """Why a login token is not live: ``expired``, ``revoked`` (by a newer login) or ``unknown``."""
    book = data.extras.get(_TOKENS, {})
    if token in book.get("tokens", {}):
        return "expired"
    return "revoked" if token in book.get("revoked", {}).values() else "unknown"


class _Refused(Exception):
    """A refusal, with its cause (one of ``refusal_cases``' causes, for coverage)."""

    def __init__(self, refusal: Refusal, cause: str, **values: Any) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
        self.cause = cause
        self.values = values


@dataclass(slots=True)
class _Request:
    """What the edge reads of a request: headers, query, and the body when credentials may be in it."""

    scope: Scope
    body: bytes | None
    headers: dict[str, str] = field(init=False)
    query: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.scope["headers"]}
        raw = self.scope.get("query_string", b"").decode("latin-1")
        self.query = dict(parse_qsl(raw, keep_blank_values=True))

    def _body_fields(self, where: str) -> Mapping[str, Any]:
        if not self.body:
            return {}
        content_type = self.headers.get("content-type", "")
        if where == "json" and "json" in content_type:
            try:
                loaded = json.loads(self.body)
            except ValueError:
                return {}
            return loaded if isinstance(loaded, dict) else {}
        if where in ("form", "json") and "x-www-form-urlencoded" in content_type:
            # Clients that post a JSON field's name as a form field mean the same credential.
            return dict(parse_qsl(self.body.decode("latin-1"), keep_blank_values=True))
        return {}

    def find(self, source: Source) -> str | None:
        if source.where == "header":
            value: Any = self.headers.get(source.name.lower())
        elif source.where == "query":
            value = self.query.get(source.name)
        else:
            value = self._body_fields(source.where).get(source.name)
        if value is None or isinstance(value, dict | list):
            return None
        text = source.strip(str(value))
        return text or None


class CredentialEdge:
    """ASGI middleware applying a vendor's credential scheme, rate limit and required headers.

    Args:
        app: the vendor's app behind the edge.
        scheme: the vendor's credential scheme; ``accepted`` the credentials it takes.
        index: the API's documents, to know which operations need credentials (an operation with
            ``security: []`` needs none, one naming only the key's scheme no login token) and the values
            a required header's enum allows.
        render: the renderer of refusals (``(status, message) -> body``).
        clock: the sandbox clock (token lifetimes, signed-token windows, rate-limit windows).
        data: the vendor's data (login tokens, used signed-token ids), looked up per request.
        gateway: refuse every request under the documents, routed or not (an API gateway's way);
            otherwise only requests routed to a secured operation need credentials.
        known_subject: for a signed scheme, whether a token's subject exists (else it is refused).
        session: the state of the request's session (None in the default session): its clock, and
            its own rate-limit windows, kept in its ``locals``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        scheme: CredentialScheme,
        accepted: Sequence[Credential],
        index: ApiIndex,
        render: Render,
        clock: SandboxClock,
        data: Callable[[], VendorData],
        rate_limit: RateLimit | None = None,
        rate_limit_value: str | None = None,
        required_headers: Sequence[RequiredHeader] = (),
        gateway: bool = False,
        known_subject: Callable[[str], bool] | None = None,
        session: Callable[[], SessionState | None] = lambda: None,
    ) -> None:
        self.app = app
        self.session = session
        self.scheme = scheme
        self.accepted = [dict(c) for c in accepted]
        self.render = render
        self.clock = clock
        self.data = data
        self.rate_limit = rate_limit
        self.limit = rate_limit.in_force(rate_limit_value) if rate_limit is not None else None
        self.limiter = RateLimiter(self.limit, clock=clock) if self.limit is not None else None
        self.gateway = gateway
        self.known_subject = known_subject
        self.index = index
        self.required = [
            (
                header,
                {base: header.values or header_values(index, base, header.name) for base in index.documents},
            )
            for header in required_headers
        ]
        sources = [s for f in scheme.fields for s in f.sources]
        if isinstance(scheme, LoginScheme | SignedScheme):
            sources.append(scheme.token)
        self._reads_body = any(s.where in ("form", "json") for s in sources)

    def reset(self) -> None:
        """Forget the rate-limit windows (the control plane's reset calls this)."""
        if self.limiter is not None:
            self.limiter.reset()

    def _scoped(self) -> tuple[SandboxClock, RateLimiter | None]:
        """The clock and the limiter of the request's session."""
        state = None if active() is None else self.session()
        if state is None or self.limit is None:
            return (self.clock, self.limiter) if state is None else (state.clock, None)
        limit, clock = self.limit, state.clock
        return clock, state.local(self, lambda: RateLimiter(limit, clock=clock))

    def _document_of(self, path: str) -> str | None:
        base = self.index.document_of(path)
        if base is None or path in (f"{base}/openapi.json", f"{base}/openapi.yaml", f"{base}/ui"):
            return None
        return None if path.startswith(f"{base}/ui/") else base

    def _guarded(self, scope: Scope, path: str) -> tuple[bool, str | None, str | None]:
        """Whether the request needs credentials, the document it falls under, and its operationId."""
        document = self._document_of(path)
        if document is None:
            return False, None, None
        route = route_of(scope)
        if route is None:
            return self.gateway, document, None
        return route.secured, route.base, route.id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope) or "/"
        secured, document, operation_id = self._guarded(scope, path)
        if operation_id and not self.gateway:
            # The journal names the operation of a request refused here, before Connexion routes it,
            # as it did when the app checked credentials after routing; a gateway knows no operations.
            scope.setdefault("extensions", {})[OPERATION] = operation_id
        if not secured or document is None:
            await self.app(scope, receive, send)
            return
        body: bytes | None = None
        # Any method may carry a body: a real JavaScript SkyPrep client sends a JSON body on GET.
        if self._reads_body:
            body = await read_body(receive)
            receive = replay(body, receive)
        request = _Request(scope, body)
        clock, limiter = self._scoped()
        try:
            identity = self._identify(request, path, route_of(scope), clock)
            self._count(identity, scope, limiter)
            self._check_headers(request, document)
        except _Refused as refused:
            scope.setdefault("extensions", {})[REFUSED] = refused.cause
            await self._refuse(send, refused)
            return
        scope = dict(scope)
        scope["state"] = {**scope.get("state", {}), IDENTITY: identity}
        await self.app(scope, receive, send)

    # credentials

    def _identify(
        self, request: _Request, path: str, route: Operation | None, clock: SandboxClock
    ) -> Identity:
        scheme = self.scheme
        sent = {f.name: next(filter(None, map(request.find, f.sources)), None) for f in scheme.fields}
        if any(value is None for value in sent.values()):
            raise _Refused(scheme.missing, "credential-missing")
        matched = next((c for c in self.accepted if all(c[k] == v for k, v in sent.items())), None)
        if matched is None:
            raise _Refused(scheme.invalid, "credential-wrong")
        if isinstance(scheme, LoginScheme):
            if route is not None and not self.index.asks_for(route, scheme.token.where, scheme.token.name):
                # The login itself (``security: [{ApiKey: []}]``): the keys, and no token yet.
                return Identity(matched)
            return self._login_identity(scheme, request, matched, clock)
        if isinstance(scheme, SignedScheme):
            return self._signed_identity(scheme, request, clock)
        return Identity(matched)

    def _login_identity(
        self, scheme: LoginScheme, request: _Request, credential: Credential, clock: SandboxClock
    ) -> Identity:
        token = request.find(scheme.token)
        if token is None:
            raise _Refused(scheme.token_missing, "token-missing")
        subject = token_subject(self.data(), clock, token)
        if subject is None:
            raise _Refused(scheme.token_invalid, f"token-{token_fate(self.data(), token)}")
        return Identity(credential, subject)

    def _signed_identity(self, scheme: SignedScheme, request: _Request, clock: SandboxClock) -> Identity:
        token = request.find(scheme.token)
        if token is None:
            raise _Refused(scheme.missing, "token-missing", reason="no token was sent")
        claims, credential = _verify_signature(scheme, token, self.accepted)
        now = clock.now()
        issued = finite(claims.get("iat"))
        if issued is None:
            raise _Refused(
                scheme.invalid, "token-malformed", reason="the 'iat' claim is missing or not a finite number"
            )
        if issued < now - scheme.max_age:
            raise _Refused(
                scheme.invalid, "token-stale", reason=f"the token is stale: issued {int(now - issued)} s ago"
            )
        if issued > now + scheme.skew:
            raise _Refused(
                scheme.invalid,
                "token-future",
                reason="the token is issued in the future ('iat' ahead of the clock)",
            )
        unique = claims.get(scheme.unique_claim)
        # Integers and strings alike: some vendors' own samples send a numeric jti.
        if isinstance(unique, bool) or not isinstance(unique, int | str) or unique == "":
            raise _Refused(
                scheme.invalid, "token-malformed", reason=f"the '{scheme.unique_claim}' claim is missing"
            )
        extras = self.data().extras
        seen: dict[str, float] = extras.setdefault(_SEEN, {})
        _forget_expired(seen, extras.setdefault(_SEEN_EXPIRY, []), now)
        if str(unique) in seen:
            raise _Refused(
                scheme.invalid,
                "token-replayed",
                reason=f"the token was already used ('{scheme.unique_claim}' replayed)",
            )
        subject = claims.get(scheme.subject_claim)
        if not isinstance(subject, str) or not subject:
            raise _Refused(
                scheme.invalid, "token-malformed", reason=f"the '{scheme.subject_claim}' claim is missing"
            )
        if self.known_subject is not None and not self.known_subject(subject):
            raise _Refused(
                scheme.invalid, "subject-unknown", reason=f"{subject!r} is not known to this account"
            )
        expires = float(issued) + scheme.max_age + scheme.skew
        seen[str(unique)] = expires
        heapq.heappush(extras[_SEEN_EXPIRY], (expires, str(unique)))
        return Identity(credential, subject, claims)

    # rate limit and required headers

    def _count(self, identity: Identity, scope: Scope, limiter: RateLimiter | None) -> None:
        if limiter is None or self.rate_limit is None:
            return
        if self.rate_limit.per == "client":
            key = str((scope.get("client") or ("unknown",))[0])
        else:
            key = identity.subject or next(iter(identity.credential.values()), "")
        retry_after = limiter.hit(key)
        if retry_after is not None:
            refusal = Refusal(
                self.rate_limit.status, self.rate_limit.message, headers={"Retry-After": str(retry_after)}
            )
            raise _Refused(refusal, "rate-limited", retry_after=retry_after)

    def _check_headers(self, request: _Request, document: str) -> None:
        for header, values_by_document in self.required:
            values = values_by_document.get(document, ())
            expected = " or ".join(values)
            value = request.headers.get(header.name.lower(), "").strip()
            if not value:
                raise _Refused(
                    Refusal(header.status, header.missing), f"header-missing:{header.name}", expected=expected
                )
            if values and value not in values:
                raise _Refused(
                    Refusal(header.status, header.unknown),
                    f"header-unknown:{header.name}",
                    expected=expected,
                    value=value,
                )

    async def _refuse(self, send: Send, refused: _Refused) -> None:
        refusal = refused.refusal
        # A value the message quotes (a header's, a token's subject) is cut to an excerpt.
        message = shorten(refusal.message.format(**refused.values) if refused.values else refusal.message)
        body = dict(refusal.body) if refusal.body is not None else self.render(refusal.status, message)
        await send_json(send, refusal.status, body, refusal.headers)


def _verify_signature(
    scheme: SignedScheme, token: str, accepted: Sequence[Credential]
) -> tuple[dict[str, Any], Credential]:
    import jwt

    # iat and jti are checked on the sandbox clock below; PyJWT would read the real time and, in
    # recent releases, refuse a numeric jti.
    options: Any = {"verify_iat": False, "verify_exp": False, "verify_nbf": False, "verify_jti": False}
    for credential in accepted:
        try:
            with warnings.catch_warnings():
                # The vendor, not the sandbox, chooses the key's length.
                warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
                claims = jwt.decode(
                    token, credential[scheme.key_field], algorithms=[scheme.algorithm], options=options
                )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise _Refused(
                scheme.invalid, "token-malformed", reason=_unreadable_token(scheme, token, exc)
            ) from None
        # PyJWT reads the claims with Python's json, which takes NaN and Infinity: a strict reader does not.
        unreadable = unservable(claims)
        if unreadable is not None:
            raise _Refused(
                scheme.invalid,
                "token-malformed",
                reason=f"the claim {unreadable[0]} is refused: {unreadable[1]}",
            )
        return dict(claims), credential
    raise _Refused(
        scheme.invalid, "token-signature", reason="the signature does not verify with the account's key"
    )


def _unreadable_token(scheme: SignedScheme, token: str, error: Exception) -> str:
    """Why a token PyJWT refused (other than for its signature) is refused, most basic reason first.

    Its header is read only here, once a token is refused: a token that verifies is parsed once.
    """
    import jwt

    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError as exc:
        return f"the token is not a JWT: {exc}"
    if algorithm != scheme.algorithm:
        return f"algorithm {algorithm!r} is not accepted; sign with {scheme.algorithm}"
    return f"the token is invalid: {error}"


def header_values(index: ApiIndex, base: str, name: str) -> tuple[str, ...]:
    """The values the enum of the header parameter ``name`` allows in the document under ``base``."""
    found: list[str] = []
    for operation in index.every():
        for param in operation.parameters if operation.base == base else ():
            if param.get("in") == "header" and str(param.get("name", "")).lower() == name.lower():
                found += [str(v) for v in param.get("schema", {}).get("enum", []) if str(v) not in found]
    return tuple(found)


def _forget_expired(seen: dict[str, float], expiry: list[tuple[float, str]], now: float) -> None:
    """Drop the single-use ids whose tokens can no longer be accepted (their ``iat`` is out of the window).

    ``expiry`` is a heap over ``seen``; state imported without it (or older than it) is indexed first.
    """
    if len(expiry) < len(seen):
        expiry[:] = [(expires, key) for key, expires in seen.items()]
        heapq.heapify(expiry)
    while expiry and expiry[0][0] < now:
        expires, key = heapq.heappop(expiry)
        if seen.get(key) == expires:
            del seen[key]
