"""A target's credentials in Schemathesis' requests: the vendor's credential scheme as an auth provider.

Header credentials go through Schemathesis' ``headers`` setting; this provider adds the rest: query,
form or JSON fields, a token from the vendor's login call (fetched once, again on a 401), or a token
signed per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.index import Refs
from mockserver.vendors.credentials import LoginScheme, SignedScheme, token_of

from .targets import Target


class SchemeAuth:
    """Schemathesis ``AuthProvider`` applying ``target``'s credential the way its vendor takes it."""

    def __init__(self, target: Target) -> None:
        assert target.credential is not None
        self.target = target
        self.credential = dict(target.credential)
        self.scheme = target.vendor.credentials

    def get(self, case: Any, ctx: Any) -> dict[str, str]:
        """The per-request secret: a login token, a freshly signed token, or nothing more."""
        if isinstance(self.scheme, SignedScheme):
            clock = self.target.clock
            return {"token": self.scheme.sign(self.credential, now=clock() if clock else None)}
        if isinstance(self.scheme, LoginScheme):
            return {"token": login(self.target)}
        return {}

    def set(self, case: Any, data: dict[str, str], ctx: Any) -> None:
        # Negative data may have made a credential field the spec declares in the body invalid, or left
        # it out: it stays so, or the provider would turn the invalid request into a valid one.
        meta = getattr(case, "meta", None)
        declared = _body_fields(case) if meta is not None and meta.generation.mode.is_negative else set()
        for location, values in self.scheme.sent(self.credential, str(case.method)).items():
            kept = {k: v for k, v in values.items() if location not in ("form", "json") or k not in declared}
            _put(case, location, kept)
        token = data.get("token")
        if token is not None and isinstance(self.scheme, LoginScheme | SignedScheme):
            source = self.scheme.token
            _put(case, source.where, {source.name: source.carry(token)})


def login(target: Target) -> str:
    """A new token from ``target``'s login call, with its credential (a login scheme's)."""
    scheme = target.vendor.credentials
    assert isinstance(scheme, LoginScheme)
    assert target.credential is not None
    with target.client() as client:
        return token_of(client.post(scheme.login_path, json=scheme.login_json(target.credential)))


def _body_fields(case: Any) -> set[str]:
    """The properties the operation's request body schemas declare."""
    spec = case.operation.schema.raw_schema
    # Only the top level is read: references are followed there, never inlined through the schema.
    refs = Refs(spec)
    body = refs.follow(case.operation.definition.raw.get("requestBody") or {})
    fields: set[str] = set()
    for media in (body.get("content") or {}).values():
        schema = refs.follow((media or {}).get("schema") or {})
        fields.update((schema.get("properties") or {}) if isinstance(schema, Mapping) else ())
    return fields


def _put(case: Any, location: str, values: dict[str, str]) -> None:
    if not values:
        return
    if location == "header":
        case.headers = {**(case.headers or {}), **values}
    elif location in ("form", "json") and isinstance(case.body, dict):
        # The credential wins over a value generated for the same field.
        case.body = {**case.body, **values}
    else:
        # No body object to join (a GET, or a generated non-object body): the query carries them.
        case.query = {**(case.query or {}), **values}


def _provider(target: Target) -> type[SchemeAuth]:
    class Bound(SchemeAuth):
        # Schemathesis instantiates providers without arguments.
        def __init__(self) -> None:
            super().__init__(target)

    return Bound


def _caching(target: Target) -> dict[str, Any]:
    login = isinstance(target.vendor.credentials, LoginScheme)
    # A login token is fetched once and again on a 401; a signed token is made for every request.
    return {"refresh_interval": 3600 if login else None, "retry_on": [401] if login else None}


def register(schema: Any, target: Target) -> None:
    """Register ``target``'s credential on ``schema`` itself, so an engine run sends it with every request."""
    if target.credential is None:
        return
    schema.auth(**_caching(target))(_provider(target))
