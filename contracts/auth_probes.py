"""The auth phase's probes: each mistake a client can make with a scheme's credentials, as data.

Generic over the credential scheme classes: a ``KeyScheme``'s fields, a ``LoginScheme``'s fields and
login token, a ``SignedScheme``'s per-request token. Each ``Probe`` says what to send (the credential's
keys, each valid, wrong or left out, and a token) and how the sandbox refuses it; ``strip`` takes every
credential out of a request, wherever the scheme lets it travel, and ``dress`` puts a probe's back in.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

import httpx

from mockserver.vendors.credentials import (
    BODILESS,
    CredentialScheme,
    LoginScheme,
    Refusal,
    SignedScheme,
    Source,
)

# Other algorithms of the HMAC family a signed scheme must refuse (it accepts exactly one).
HMAC = ("HS256", "HS384", "HS512")
# How far outside a signed token's window (or past a login token's lifetime) a probe goes, in seconds.
MARGIN = 60.0


class Unavailable(LookupError):
    """A probe needs what this target cannot give (a credential to sign or log in with, its clock)."""


class Issuer(Protocol):
    """What probes take valid credentials from: the target's keys, tokens and clock."""

    @property
    def keys(self) -> Mapping[str, str]:
        """Valid values of the scheme's key fields."""
        ...

    @property
    def credential(self) -> Mapping[str, str]:
        """The whole credential (a signed scheme's key and subject); ``Unavailable`` when unknown."""
        ...

    def token(self) -> str | None:
        """A valid token: the live login token, a freshly signed one, or ``None`` for a key scheme."""
        ...

    def login(self) -> str:
        """A new login token (which may revoke the previous one, as the scheme says)."""
        ...

    def now(self) -> float:
        """The target's time: the sandbox clock, else this machine's."""
        ...


@dataclass(frozen=True, slots=True)
class Sent:
    """The credential a probe sends: each key field's value (``None``: left out) and the token, if any."""

    keys: Mapping[str, str | None]
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Probe:
    """One wrong way to send credentials, and the refusal the sandbox answers it with.

    Args:
        name: the mistake, as a failure names it ("a replayed jti").
        refusal: the scheme's refusal of it.
        credential: what to send, from the target's valid credentials.
        sends: how many times the same request goes; the last answer must be the refusal.
        later: seconds to move the target's clock forward before sending (only a sandbox's moves).
    """

    name: str
    refusal: Refusal
    credential: Callable[[Issuer], Sent]
    sends: int = 1
    later: float = 0.0


def mistyped(value: str) -> str:
    """``value`` with every letter and digit moved by one (hex stays hex): same length and shape, wrong."""
    out = []
    for char in value:
        lower = char.lower()
        if lower in "0123456789abcdef":
            cycle = "0123456789abcdef"
        elif lower.isascii() and lower.isalpha():
            cycle = "abcdefghijklmnopqrstuvwxyz"
        else:
            out.append(char)
            continue
        moved = cycle[(cycle.index(lower) + 1) % len(cycle)]
        out.append(moved.upper() if char.isupper() else moved)
    text = "".join(out)
    return text if text != value else f"wrong-{value}"


def _valid(issuer: Issuer, **changed: str | None) -> Sent:
    return Sent({**issuer.keys, **changed}, issuer.token())


def _without_key(name: str) -> Callable[[Issuer], Sent]:
    return lambda issuer: _valid(issuer, **{name: None})


def _wrong_key(name: str) -> Callable[[Issuer], Sent]:
    return lambda issuer: _valid(issuer, **{name: mistyped(issuer.keys[name])})


def key_probes(scheme: CredentialScheme, where: Mapping[str, Source]) -> list[Probe]:
    """Keys: none at all; then each field left out, or wrong where it was carried, the rest valid."""
    nothing = Probe("a request without any credential", scheme.missing, lambda i: Sent({}, None))
    probes = [nothing]
    for f in scheme.fields:
        # With one field and no token, leaving it out is the request without any credential.
        if len(scheme.fields) > 1 or isinstance(scheme, LoginScheme | SignedScheme):
            probes.append(Probe(f"a request without {f.name}", scheme.missing, _without_key(f.name)))
        source = where.get(f.name, f.sources[0])
        wrong = f"a wrong {f.name} ({source.where} {source.name})"
        probes.append(Probe(wrong, scheme.invalid, _wrong_key(f.name)))
    return probes


def login_probes(scheme: LoginScheme) -> list[Probe]:
    """A login token: none, one never issued, one revoked by a new login, one past its lifetime."""
    probes = [
        Probe("a request without a token", scheme.token_missing, lambda i: Sent(i.keys, None)),
        Probe(
            "a token never issued",
            scheme.token_invalid,
            lambda i: Sent(i.keys, mistyped(i.login())),
        ),
    ]
    if scheme.revoke_previous:

        def revoked(issuer: Issuer) -> Sent:
            first = issuer.login()
            issuer.login()
            return Sent(issuer.keys, first)

        probes.append(Probe("a token revoked by a new login", scheme.token_invalid, revoked))
    probes.append(
        Probe(
            f"a token past its lifetime ({scheme.lifetime:.0f} s)",
            scheme.token_invalid,
            lambda i: Sent(i.keys, i.login()),
            later=scheme.lifetime + MARGIN,
        )
    )
    return probes


def _unsigned(claims: Mapping[str, Any]) -> str:
    def part(value: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(dict(value)).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def signed_probes(scheme: SignedScheme) -> list[Probe]:
    """A signed token: a wrong key or algorithm, none, ``iat`` out of its window, a replay, a claim missing,
    an unknown subject."""

    def token(
        change: Callable[[dict[str, Any], Issuer], None] = lambda claims, issuer: None,
        *,
        key: Callable[[str], str] = lambda key: key,
        algorithm: str | None = None,
    ) -> Callable[[Issuer], Sent]:
        def make(issuer: Issuer) -> Sent:
            credential = issuer.credential
            claims = scheme.claims(credential, now=issuer.now())
            change(claims, issuer)
            signing_key = key(credential[scheme.key_field])
            return Sent(issuer.keys, scheme.encode(claims, signing_key, algorithm))

        return make

    def without(claim: str) -> Callable[[dict[str, Any], Issuer], None]:
        return lambda claims, issuer: claims.pop(claim, None)

    def unsigned(issuer: Issuer) -> Sent:
        return Sent(issuer.keys, _unsigned(scheme.claims(issuer.credential, now=issuer.now())))

    def issued(seconds: float) -> Callable[[dict[str, Any], Issuer], None]:
        return lambda claims, issuer: claims.update(iat=int(issuer.now() + seconds))

    def unknown(claims: dict[str, Any], issuer: Issuer) -> None:
        claims[scheme.subject_claim] = f"no-such-{claims[scheme.subject_claim]}"

    invalid = scheme.invalid
    old, ahead = scheme.max_age + MARGIN, scheme.skew + MARGIN
    probes = [
        Probe("a token signed with a wrong key", invalid, token(key=mistyped)),
        Probe("an unsigned token (alg none)", invalid, unsigned),
        *(
            Probe(f"a token signed with {alg}", invalid, token(algorithm=alg))
            for alg in HMAC
            if alg != scheme.algorithm
        ),
        Probe(f"a token issued {old:.0f} s ago (iat too old)", invalid, token(issued(-old))),
        Probe(f"a token issued {ahead:.0f} s ahead (iat in the future)", invalid, token(issued(ahead))),
        Probe(f"a replayed {scheme.unique_claim}", invalid, token(), sends=2),
        *(
            Probe(f"a token without the {claim} claim", invalid, token(without(claim)))
            for claim in dict.fromkeys((scheme.subject_claim, "iat", scheme.unique_claim))
        ),
        Probe(f"a token for an unknown {scheme.subject_claim}", invalid, token(unknown)),
    ]
    return probes


def probes_for(
    scheme: CredentialScheme, where: Mapping[str, Source] | None = None, *, token: bool = True
) -> list[Probe]:
    """Every probe of ``scheme``: its keys' (wrong ones sent where ``where`` says), then its token's.

    ``token=False`` leaves out a login token's probes, for an operation that takes none (the login itself).
    """
    probes = key_probes(scheme, where or {})
    if isinstance(scheme, LoginScheme) and token:
        probes += login_probes(scheme)
    elif isinstance(scheme, SignedScheme):
        probes += signed_probes(scheme)
    return probes


# --- taking credentials out of a request and putting a probe's in ---------------------------------


@dataclass(frozen=True, slots=True)
class Template:
    """A request as sent: method, full URL, headers, body."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None
    # Where each key field travelled in the request this template was taken from.
    where: Mapping[str, Source] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "").lower()

    def request(self) -> httpx.Request:
        headers = [
            (k, v) for k, v in self.headers if k.lower() not in ("content-length", "transfer-encoding")
        ]
        return httpx.Request(self.method, self.url, headers=headers, content=self.body or b"")


def _sources(scheme: CredentialScheme) -> list[Source]:
    sources = [s for f in scheme.fields for s in f.sources]
    if isinstance(scheme, LoginScheme | SignedScheme):
        sources.append(scheme.token)
    return sources


def _body_kind(template: Template) -> str | None:
    """``json`` or ``form`` when the body is one credentials can travel in, else ``None``."""
    if not template.body:
        return None
    if "json" in template.content_type:
        return "json"
    if "x-www-form-urlencoded" in template.content_type:
        return "form"
    return None


def _body_fields(template: Template) -> dict[str, Any] | None:
    kind = _body_kind(template)
    if kind == "json":
        try:
            loaded = json.loads(template.body or b"")
        except ValueError:
            return None
        return loaded if isinstance(loaded, dict) else None
    if kind == "form":
        return dict(parse_qsl((template.body or b"").decode("latin-1"), keep_blank_values=True))
    return None


def _encoded(template: Template, fields: Mapping[str, Any]) -> bytes:
    if _body_kind(template) == "json":
        return json.dumps(dict(fields)).encode()
    return urlencode({k: str(v) for k, v in fields.items()}).encode()


def _found(template: Template, source: Source) -> str | None:
    if source.where == "header":
        value: Any = next((v for k, v in template.headers if k.lower() == source.name.lower()), None)
    elif source.where == "query":
        value = httpx.URL(template.url).params.get(source.name)
    else:
        value = (_body_fields(template) or {}).get(source.name)
    if value is None or isinstance(value, dict | list):
        return None
    return source.strip(str(value)) or None


def carried(scheme: CredentialScheme, template: Template) -> dict[str, tuple[Source, str]]:
    """Each key field the request carries: where (the first source holding it) and its value."""
    found: dict[str, tuple[Source, str]] = {}
    for f in scheme.fields:
        for source in f.sources:
            value = _found(template, source)
            if value is not None:
                kind = _body_kind(template)
                # A JSON field's name in a form body (or the reverse) counts: name the body it was in.
                where = Source(kind, source.name) if source.where in ("form", "json") and kind else source
                found[f.name] = (where, value)
                break
    return found


def strip(scheme: CredentialScheme, template: Template) -> Template:
    """``template`` without any credential the scheme could carry: headers, query, form and JSON fields."""
    sources = _sources(scheme)
    headers = {s.name.lower() for s in sources if s.where == "header"}
    params = {s.name for s in sources if s.where == "query"}
    # The edge reads a JSON field's name in a form body too (and a form field's in JSON).
    in_body = {s.name for s in sources if s.where in ("form", "json")}
    url = httpx.URL(template.url)
    if params & set(url.params):
        kept = [(k, v) for k, v in url.params.multi_items() if k not in params]
        url = url.copy_with(params=kept) if kept else url.copy_with(query=None)
    body = template.body
    fields = _body_fields(template)
    if fields is not None and in_body & set(fields):
        body = _encoded(template, {k: v for k, v in fields.items() if k not in in_body})
    where = {name: source for name, (source, _) in carried(scheme, template).items()}
    return Template(
        template.method,
        str(url),
        tuple((k, v) for k, v in template.headers if k.lower() not in headers),
        body,
        where,
    )


def _place(scheme: CredentialScheme, template: Template, name: str) -> Source:
    """Where to send key field ``name``: where the request carried it, else where a client would."""
    if name in template.where:
        return template.where[name]
    f = next(f for f in scheme.fields if f.name == name)
    if template.method.upper() in BODILESS or (_body_kind(template) is None and template.body):
        return next((s for s in f.sources if s.where in ("header", "query")), f.sources[0])
    return f.sources[0]


def dress(scheme: CredentialScheme, template: Template, sent: Sent) -> httpx.Request:
    """``template`` (stripped) carrying ``sent``: each key where the original request had it, the token."""
    headers = list(template.headers)
    params: list[tuple[str, str]] = []
    body_values: dict[str, str] = {}
    placed: list[tuple[Source, str]] = [
        (_place(scheme, template, name), value) for name, value in sent.keys.items() if value is not None
    ]
    if sent.token is not None and isinstance(scheme, LoginScheme | SignedScheme):
        placed.append((scheme.token, scheme.token.carry(sent.token)))
    for source, value in placed:
        if source.where == "header":
            headers.append((source.name, value))
        elif source.where == "query":
            params.append((source.name, value))
        else:
            body_values[source.name] = value
    body = template.body
    if body_values:
        fields = _body_fields(template)
        if fields is not None:
            body = _encoded(template, {**fields, **body_values})
        elif not template.body:
            body = json.dumps(body_values).encode()
            headers.append(("Content-Type", "application/json"))
        else:
            # A body credentials cannot join (multipart, another type): the query carries them.
            params += list(body_values.items())
    url = httpx.URL(template.url)
    if params:
        url = url.copy_merge_params(tuple(params))
    return Template(template.method, str(url), tuple(headers), body).request()
