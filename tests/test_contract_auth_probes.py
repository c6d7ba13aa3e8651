"""The auth phase's probes: each one is refused by a toy server that checks its scheme, and caught by
the phase against a toy server that lets exactly that mistake through.

The toy vendors are registered for the test only (their code is never built): a key scheme with a JSON
body field and a header, a login scheme with a revoking, expiring token, a signed (JWT) scheme. Each toy
server checks credentials by hand, independently of the sandbox's edge, skipping the checks named in
``lenient``.
"""

from __future__ import annotations

import dataclasses
import json
import time
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

import jwt
import pytest
from starlette.types import Receive, Scope, Send

from contracts.auth_phase import run_auth_phase
from contracts.auth_probes import Template, carried, dress, mistyped, probes_for, strip
from contracts.documents import Contract, Document
from contracts.results import Accepted, ContractResult
from contracts.runner import RunOptions, _Silent
from contracts.targets import Target
from mockserver.clock import SandboxClock
from mockserver.vendors import (
    KeyScheme,
    LoginScheme,
    Refusal,
    SignedScheme,
    register_vendor,
    unregister_vendor,
)
from mockserver.vendors.credentials import Field, header, json_field, query

from .scheme_vendors import registered, scheme_vendor

MISSING, INVALID = Refusal(401, "missing"), Refusal(403, "invalid")
KEYS = {"key": "k-123", "account": "acct-9"}
LOGIN = {"api_key": "pk-42", "username": "ada", "password": "pw"}
SIGNING = {"key": "secret-key", "email": "ada@example.com"}


KEYED = KeyScheme(
    fields=(Field("key", (json_field("key"), query("key"))), Field("account", (header("X-Account"),))),
    defaults=(KEYS,),
    missing=MISSING,
    invalid=INVALID,
)
LOGGED = LoginScheme(
    fields=(Field("api_key", (header("x-api-key"),)),),
    defaults=(LOGIN,),
    missing=MISSING,
    invalid=INVALID,
    login_fields=("username", "password"),
    login_path="/login",
    login_body={"username": "username", "password": "password"},
    token=header("Authorization", "Bearer"),
    token_missing=Refusal(401, "no token"),
    token_invalid=Refusal(401, "bad token"),
    lifetime=100.0,
    revoke_previous=True,
)
SIGNED = SignedScheme(
    fields=(),
    defaults=(SIGNING,),
    missing=Refusal(401, "no token"),
    invalid=Refusal(401, "bad token"),
    subject_field="email",
    subject_claim="email",
    max_age=120.0,
    skew=30.0,
)
VENDORS = {"probekeyed": KEYED, "probelogged": LOGGED, "probesigned": SIGNED}

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "toy", "version": "1"},
    "paths": {
        "/items": {
            "post": {
                "operationId": "postItem",
                "responses": {
                    "200": {"description": "ok"},
                    "401": {"$ref": "#/components/responses/Error"},
                    "403": {"$ref": "#/components/responses/Error"},
                },
            }
        },
        "/login": {
            "post": {"operationId": "login", "security": [], "responses": {"200": {"description": "ok"}}}
        },
    },
    "components": {
        "responses": {
            "Error": {
                "description": "refused",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["error"],
                            "properties": {"error": {"type": "string"}},
                        }
                    }
                },
            }
        }
    },
}


@pytest.fixture(autouse=True)
def toy_schemes() -> Iterator[None]:
    with registered(scheme_vendor(name, scheme) for name, scheme in VENDORS.items()):
        yield


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal


class Toy:
    """A server of one scheme, checking credentials by hand except the checks named in ``lenient``."""

    def __init__(self, scheme: Any, lenient: frozenset[str], clock: SandboxClock) -> None:
        self.scheme = scheme
        self.lenient = lenient
        self.clock = clock
        self.tokens: dict[str, float] = {}
        self.revoked: set[str] = set()
        self.used: set[str] = set()
        self.issued = 0

    def _skip(self, check: str) -> bool:
        return check in self.lenient

    def _keys(self, headers: dict[str, str], params: dict[str, str], body: dict[str, Any]) -> None:
        for f in self.scheme.fields:
            value = None
            for source in f.sources:
                where = {"header": headers, "query": params, "json": body}[source.where]
                value = where.get(source.name.lower() if source.where == "header" else source.name)
                if value is not None:
                    break
            if value is None and not self._skip(f"missing:{f.name}"):
                raise Refused(self.scheme.missing)
            if (
                value is not None
                and value != KEYS.get(f.name, LOGIN.get(f.name))
                and not self._skip(f"wrong:{f.name}")
            ):
                raise Refused(self.scheme.invalid)

    def _login_token(self, token: str | None) -> None:
        if token is None:
            if not self._skip("token:missing"):
                raise Refused(self.scheme.token_missing)
            return
        issued = self.tokens.get(token)
        if issued is None and not self._skip("token:unknown"):
            raise Refused(self.scheme.token_invalid)
        if token in self.revoked and not self._skip("token:revoked"):
            raise Refused(self.scheme.token_invalid)
        if (
            issued is not None
            and issued + self.scheme.lifetime <= self.clock.now()
            and not self._skip("token:expired")
        ):
            raise Refused(self.scheme.token_invalid)

    def _signed_token(self, token: str | None) -> None:
        scheme = self.scheme
        if token is None:
            raise Refused(scheme.missing)
        header_ = jwt.get_unverified_header(token)
        if header_.get("alg") == "none":
            if not self._skip("alg-none"):
                raise Refused(scheme.invalid)
        elif header_.get("alg") != "HS256" and not self._skip("alg"):
            raise Refused(scheme.invalid)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            claims = jwt.decode(token, options={"verify_signature": False})
            if header_.get("alg") != "none" and not self._skip("signature"):
                try:
                    jwt.decode(
                        token, SIGNING["key"], algorithms=[header_["alg"]], options={"verify_iat": False}
                    )
                except jwt.PyJWTError:
                    raise Refused(scheme.invalid) from None
        for claim in ("email", "iat", "jti"):
            if claim not in claims and not self._skip(f"claim:{claim}"):
                raise Refused(scheme.invalid)
        now = self.clock.now()
        iat = claims.get("iat", now)
        if iat < now - scheme.max_age and not self._skip("iat-old"):
            raise Refused(scheme.invalid)
        if iat > now + scheme.skew and not self._skip("iat-future"):
            raise Refused(scheme.invalid)
        if claims.get("jti") in self.used and not self._skip("jti"):
            raise Refused(scheme.invalid)
        self.used.add(claims.get("jti", ""))
        if claims.get("email", SIGNING["email"]) != SIGNING["email"] and not self._skip("subject"):
            raise Refused(scheme.invalid)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        raw = message.get("body", b"")
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        params = dict(parse_qsl(scope["query_string"].decode()))
        body = json.loads(raw) if raw and "json" in headers.get("content-type", "") else {}
        status, answer = 200, {"ok": True}
        try:
            self._keys(headers, params, body)
            if scope["path"].endswith("/login"):
                answer = self._login()
            elif isinstance(self.scheme, LoginScheme | SignedScheme):
                sent = headers.get("authorization")
                token = sent.removeprefix("Bearer ").strip() if sent else None
                check = self._login_token if isinstance(self.scheme, LoginScheme) else self._signed_token
                check(token or None)
        except Refused as refused:
            status, answer = refused.refusal.status, {"error": refused.refusal.message}
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def _login(self) -> Any:
        self.issued += 1
        token = f"token-{self.issued}"
        self.revoked.update(self.tokens)
        self.tokens[token] = self.clock.now()
        return token


def _accepted(name: str) -> Accepted:
    url = f"http://sandbox/{name}/items"
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    body: dict[str, Any] = {"text": "hi"}
    if name == "probekeyed":
        body["key"] = KEYS["key"]
        headers.append(("X-Account", KEYS["account"]))
    elif name == "probelogged":
        headers += [("x-api-key", LOGIN["api_key"]), ("Authorization", "Bearer old")]
    else:
        headers.append(("Authorization", "Bearer old"))
    return Accepted("postItem", "", "POST", url, tuple(headers), json.dumps(body).encode())


def _run(
    name: str, lenient: frozenset[str] = frozenset(), *, sandbox: bool = True, auth_status: int | None = None
) -> tuple[ContractResult, Toy]:
    clock = SandboxClock()
    toy = Toy(VENDORS[name], lenient, clock)
    credential = {"probekeyed": None, "probelogged": LOGIN, "probesigned": SIGNING}[name]
    # Without a sandbox behind it, the toy stands for an implementation reached by URL.
    behind: Any = SimpleNamespace(clock=clock, errors=()) if sandbox else None
    target = Target(name, f"http://sandbox/{name}", credential=credential, app=toy, sandbox=behind)
    result = ContractResult(name, name, 0, False, ("auth",))
    result.accepted["postItem"] = _accepted(name)
    contract = Contract(name, (Document("toy.yaml", "", SPEC),))
    options = RunOptions(phases=("auth",), auth_status=auth_status)
    run_auth_phase(result, target, contract, options, _Silent())
    return result, toy


@pytest.mark.parametrize("name", VENDORS)
def test_a_server_that_checks_everything_refuses_every_probe(name: str) -> None:
    result, _ = _run(name)
    assert result.ok, [f.describe() for f in result.failures]
    counted = result.operations["postItem"]
    probes = probes_for(VENDORS[name])
    assert counted.requests == sum(p.sends for p in probes)
    assert counted.phases == {"auth"}


LENIENT = [
    ("probekeyed", "missing:key", ["a request without key was accepted"]),
    ("probekeyed", "wrong:key", ["a wrong key (json key) was accepted"]),
    ("probekeyed", "missing:account", ["a request without account was accepted"]),
    ("probekeyed", "wrong:account", ["a wrong account (header X-Account) was accepted"]),
    ("probelogged", "wrong:api_key", ["a wrong api_key (header x-api-key) was accepted"]),
    ("probelogged", "token:missing", ["a request without a token was accepted"]),
    ("probelogged", "token:unknown", ["a token never issued was accepted"]),
    ("probelogged", "token:revoked", ["a token revoked by a new login was accepted"]),
    ("probelogged", "token:expired", ["a token past its lifetime (100 s) was accepted"]),
    ("probesigned", "signature", ["a token signed with a wrong key was accepted"]),
    ("probesigned", "alg-none", ["an unsigned token (alg none) was accepted"]),
    (
        "probesigned",
        "alg",
        ["a token signed with HS384 was accepted", "a token signed with HS512 was accepted"],
    ),
    ("probesigned", "iat-old", ["a token issued 180 s ago (iat too old) was accepted"]),
    ("probesigned", "iat-future", ["a token issued 90 s ahead (iat in the future) was accepted"]),
    ("probesigned", "jti", ["a replayed jti was accepted"]),
    ("probesigned", "claim:email", ["a token without the email claim was accepted"]),
    ("probesigned", "claim:iat", ["a token without the iat claim was accepted"]),
    ("probesigned", "claim:jti", ["a token without the jti claim was accepted"]),
    ("probesigned", "subject", ["a token for an unknown email was accepted"]),
]


@pytest.mark.parametrize(("name", "lenient", "caught"), LENIENT, ids=[f"{n}-{c}" for n, c, _ in LENIENT])
def test_a_server_that_skips_one_check_fails_exactly_the_probe_of_that_mistake(
    name: str, lenient: str, caught: list[str]
) -> None:
    result, _ = _run(name, frozenset({lenient}))
    assert [f.title for f in result.failures] == caught
    failure = result.failures[0]
    assert failure.operation == "postItem"
    assert failure.phase == "auth"
    assert failure.message.startswith("200: ")
    assert failure.curl is not None
    assert failure.curl.startswith("curl -X POST")


def test_the_clock_is_put_back_after_a_probe_past_a_token_s_lifetime() -> None:
    before = time.time()
    result, toy = _run("probelogged")
    assert result.ok
    assert abs(toy.clock.now() - before) < LOGGED.lifetime


def test_a_wrong_refusal_status_fails_on_the_sandbox_and_names_the_expected_one() -> None:
    wrong = dataclasses.replace(LOGGED, token_invalid=INVALID)
    unregister_vendor("probelogged")
    register_vendor(scheme_vendor("probelogged", wrong))
    result, _ = _run("probelogged")
    # The toy refuses with 401 where the scheme (as the sandbox would) says 403.
    assert result.failures
    assert all("was refused with 401, not 403" in f.title for f in result.failures)


def test_strip_takes_every_credential_out_wherever_it_travels() -> None:
    template = Template(
        "POST",
        "http://h/x?key=k-123&keep=1",
        (("X-Account", "acct-9"), ("Content-Type", "application/json")),
        json.dumps({"key": "k-123", "text": "hi"}).encode(),
    )
    stripped = strip(KEYED, template)
    assert stripped.url == "http://h/x?keep=1"
    assert stripped.headers == (("Content-Type", "application/json"),)
    assert json.loads(stripped.body or b"") == {"text": "hi"}
    assert {name: value for name, (_, value) in carried(KEYED, template).items()} == KEYS


def test_dress_puts_each_key_back_where_the_original_request_carried_it() -> None:
    form = Template(
        "POST",
        "http://h/x",
        (("Content-Type", "application/x-www-form-urlencoded"), ("X-Account", "acct-9")),
        b"key=k-123&text=hi",
    )
    request = dress(KEYED, strip(KEYED, form), probes_for(KEYED)[0].credential(SimpleNamespace(keys=KEYS)))
    assert request.read() == b"text=hi"
    assert "x-account" not in request.headers
    sent = SimpleNamespace(keys={"key": "wrong", "account": "acct-9"}, token=None)
    request = dress(KEYED, strip(KEYED, form), sent)  # type: ignore[arg-type]
    assert dict(parse_qsl(request.read().decode())) == {"text": "hi", "key": "wrong"}
    assert request.headers["X-Account"] == "acct-9"


@pytest.mark.parametrize("value", ["7c1f3a52-9e4b-4d6a-b8e1-2f5c0d9a6b34", "sandbox-key", "Zz9", "---"])
def test_a_mistyped_value_differs_but_keeps_its_shape(value: str) -> None:
    wrong = mistyped(value)
    assert wrong != value
    if any(c.isalnum() for c in value):
        assert len(wrong) == len(value)
        assert [c.isalnum() for c in wrong] == [c.isalnum() for c in value]


def test_against_a_url_any_documented_status_refuses_and_the_expiry_probe_is_skipped() -> None:
    result, _ = _run("probelogged", sandbox=False)
    assert result.ok, [f.describe() for f in result.failures]
    assert any("a token past its lifetime" in note and "clock" in note for note in result.notes)


def test_against_a_url_auth_status_names_the_one_status_to_expect() -> None:
    result, _ = _run("probelogged", sandbox=False, auth_status=403)
    assert result.failures
    assert all(f.title.endswith("was refused with 401, not 403 (--auth-status)") for f in result.failures)
    # The wrong key is refused with 403 by this toy: that probe passes.
    assert not any("a wrong api_key" in f.title for f in result.failures)


def test_an_auth_status_that_is_not_a_4xx_is_refused() -> None:
    with pytest.raises(ValueError, match="4xx"):
        RunOptions(auth_status=200)


def test_an_operation_that_takes_no_login_token_gets_only_the_keys_probes() -> None:
    with_token = {probe.name for probe in probes_for(LOGGED)}
    keys_only = {probe.name for probe in probes_for(LOGGED, token=False)}
    assert keys_only == {probe.name for probe in probes_for(LOGGED)} - {
        probe.name
        for probe in probes_for(LOGGED)
        if probe.refusal in (LOGGED.token_missing, LOGGED.token_invalid)
    }
    assert "a request without a token" in with_token - keys_only
    assert "a request without any credential" in keys_only
