"""The contracts' Schemathesis auth provider: a target's credential, sent the way its vendor's scheme says.

Each scheme kind is a small vendor registered for the test (its code is never built): a key in the
query or a JSON body field, a token from a login call answered by a tiny ASGI app, a signed token.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from schemathesis.engine import from_schema
from starlette.types import Receive, Scope, Send

from contracts.auth import SchemeAuth
from contracts.documents import load_contract
from contracts.runner import RunOptions, load
from contracts.targets import Target, sandbox_target
from mockserver.vendors import (
    REGISTRY,
    KeyScheme,
    LoginScheme,
    Refusal,
    SignedScheme,
)
from mockserver.vendors.credentials import Field, header, json_field, query

from .scheme_vendors import registered, scheme_vendor

REFUSED = Refusal(401, "no")


KEYED = scheme_vendor(
    "keyed",
    KeyScheme(
        fields=(Field("key", (json_field("key"), query("key"))),),
        defaults=({"key": "k1"},),
        missing=REFUSED,
        invalid=REFUSED,
    ),
)
LOGGED = scheme_vendor(
    "logged",
    LoginScheme(
        fields=(Field("api_key", (header("x-api-key"),)),),
        defaults=({"api_key": "pk", "username": "ada", "password": "pw"},),
        missing=REFUSED,
        invalid=REFUSED,
        login_fields=("username", "password"),
        login_path="/authenticate",
        login_body={"username": "username", "password": "password", "privateKey": "api_key"},
        token=header("Authorization", "Bearer"),
    ),
)
SIGNED = scheme_vendor(
    "signed",
    SignedScheme(
        fields=(),
        defaults=({"key": "secret", "subject": "ada@example.com"},),
        missing=REFUSED,
        invalid=REFUSED,
        subject_claim="email",
    ),
)


@pytest.fixture(autouse=True)
def toy_schemes() -> Iterator[None]:
    with registered((KEYED, LOGGED, SIGNED)):
        yield


def _case(method: str, body: Any = None) -> Any:
    return SimpleNamespace(method=method, headers=None, query=None, body=body)


def _applied(auth: SchemeAuth, case: Any) -> Any:
    auth.set(case, auth.get(case, None), None)
    return case


def test_a_body_key_joins_a_generated_json_body_and_wins_over_a_generated_value() -> None:
    auth = SchemeAuth(Target("keyed", "http://target/keyed", credential={"key": "k1"}))
    case = _applied(auth, _case("POST", {"text": "hi", "key": "generated"}))
    assert case.body == {"text": "hi", "key": "k1"}
    assert case.query is None


def test_a_body_key_goes_in_the_query_of_a_request_without_a_body() -> None:
    auth = SchemeAuth(Target("keyed", "http://target/keyed", credential={"key": "k1"}))
    case = _applied(auth, _case("GET", None))
    assert case.query == {"key": "k1"}
    assert case.body is None


def test_a_login_scheme_logs_in_once_through_the_target_and_sends_the_token() -> None:
    logins: list[dict[str, Any]] = []

    async def login_app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        headers = dict(scope["headers"])
        logins.append(
            {"path": scope["path"], "body": json.loads(message["body"]), "key": headers[b"x-api-key"]}
        )
        body = json.dumps(f"token-{len(logins)}").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    credential = {"api_key": "pk", "username": "ada", "password": "pw"}
    auth = SchemeAuth(Target("logged", "http://target/logged", credential=credential, app=login_app))
    case = _applied(auth, _case("GET"))
    assert logins == [
        {
            "path": "/logged/authenticate",
            "body": {"username": "ada", "password": "pw", "privateKey": "pk"},
            "key": b"pk",
        }
    ]
    assert case.headers == {"x-api-key": "pk", "Authorization": "Bearer token-1"}


def test_a_signed_scheme_signs_a_fresh_token_for_every_request() -> None:
    credential = {"key": "secret", "subject": "ada@example.com"}
    auth = SchemeAuth(Target("signed", "http://target/signed", credential=credential))
    first = _applied(auth, _case("GET")).headers["Authorization"]
    second = _applied(auth, _case("GET")).headers["Authorization"]
    # A short key, as vendors issue them: signing must not warn (the suite runs with warnings as errors).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        claims = [
            jwt.decode(t.removeprefix("Bearer "), "secret", algorithms=["HS256"]) for t in (first, second)
        ]
    assert {c["email"] for c in claims} == {"ada@example.com"}
    assert claims[0]["jti"] != claims[1]["jti"]


# Each registered API whose credential is more than headers: Schemathesis' engine must send it.
BEYOND_HEADERS = [name for name, vendor in REGISTRY.items() if not vendor.credentials.headers_only]


def _one_cheap_operation(api: str) -> str:
    """The operationId of the API's first operation without path parameters that is not deprecated."""
    for _, path, operation in load_contract(api).documents[0].operations():
        if "{" not in path and not operation.get("deprecated"):
            return str(operation["operationId"])
    raise AssertionError(f"{api} has no operation without path parameters")


@pytest.mark.parametrize("api", BEYOND_HEADERS)
def test_a_loaded_schema_s_credential_is_sent_by_the_engine_and_gets_past_the_edge(api: str) -> None:
    target = sandbox_target(api)
    options = RunOptions(phases=("fuzzing",), max_examples=1)
    schema = load(target, options=options, settings={"generation": {"mode": "positive"}})
    assert schema.auth.is_defined
    statuses: list[int] = []
    schema.hook("after_call")(lambda context, case, response: statuses.append(response.status_code))
    for _ in from_schema(schema.include(operation_id=_one_cheap_operation(api))).execute():
        pass
    assert statuses
    # Each of these vendors answers a request without its credential with 401 (and a wrong one with 403).
    assert 401 not in statuses, statuses


def test_a_registered_credential_is_on_the_schema() -> None:
    target = sandbox_target(BEYOND_HEADERS[0])
    assert load(target, options=RunOptions(phases=("examples",), max_examples=1)).auth.is_defined


def _negative_case(body: dict[str, Any], declared: dict[str, Any]) -> Any:
    """A negative-mode case of an operation whose JSON body schema declares ``declared``."""
    operation = SimpleNamespace(
        schema=SimpleNamespace(raw_schema={}),
        definition=SimpleNamespace(
            raw={"requestBody": {"content": {"application/json": {"schema": {"properties": declared}}}}}
        ),
    )
    meta = SimpleNamespace(generation=SimpleNamespace(mode=SimpleNamespace(is_negative=True)))
    return SimpleNamespace(method="POST", headers=None, query=None, body=body, meta=meta, operation=operation)


def test_negative_data_keeps_a_credential_field_its_body_schema_declares_as_generated() -> None:
    auth = SchemeAuth(Target("keyed", "http://target/keyed", credential={"key": "k1"}))
    # The generator left the required credential out (or made it invalid) on purpose: it must stay so.
    missing = _applied(auth, _negative_case({"text": "hi"}, {"key": {"type": "string"}, "text": {}}))
    wrong = _applied(auth, _negative_case({"key": 5}, {"key": {"type": "string"}}))
    assert missing.body == {"text": "hi"}
    assert wrong.body == {"key": 5}
    # A field the schema does not declare is still the credential's to fill.
    undeclared = _applied(auth, _negative_case({"text": "hi"}, {"text": {}}))
    assert undeclared.body == {"text": "hi", "key": "k1"}
