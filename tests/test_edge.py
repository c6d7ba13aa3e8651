"""The credential edge in front of small ASGI apps: where it finds credentials, what it refuses and why.

Each test wraps an app that echoes what reached it (the identity the edge stored, the body, the query)
in a ``CredentialEdge`` configured with a scheme, a tiny spec and a frozen ``SandboxClock``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import httpx
import jwt
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.asgi import read_body, send_json
from mockserver.clock import SandboxClock
from mockserver.index import ApiIndex, Routed
from mockserver.store import VendorData
from mockserver.testing import async_client, sync_client
from mockserver.vendors.credentials import (
    Field,
    KeyScheme,
    LoginScheme,
    Refusal,
    SignedScheme,
    form,
    header,
    json_field,
    query,
)
from mockserver.vendors.descriptor import RateLimit, RequiredHeader
from mockserver.vendors.edge import (
    OPERATION,
    CredentialEdge,
    identity_of,
    issue_token,
    token_subject,
)

T0 = 1_800_000_000.0
BASE = "http://sandbox"

KEY = KeyScheme(
    fields=(
        Field(
            "token", (header("Authorization", "Bearer"), query("token"), form("token"), json_field("token"))
        ),
    ),
    defaults=({"token": "t1"}, {"token": "t2"}),
    missing=Refusal(401, "Credentials are missing"),
    invalid=Refusal(403, "Credentials are not valid"),
)

TWO_KEYS = KeyScheme(
    fields=(Field("api_key", (header("X-Api-Key"),)), Field("acct", (query("acct"),))),
    defaults=({"api_key": "k1", "acct": "a1"},),
    missing=Refusal(401, "Missing key"),
    invalid=Refusal(401, "Wrong key"),
)

SPEC: dict[str, Any] = {
    "security": [{"key": []}],
    "paths": {
        "/items": {"get": {"operationId": "listItems"}, "post": {"operationId": "createItem"}},
        "/items/{id}": {"get": {"operationId": "readItem"}},
        "/public": {"get": {"operationId": "readPublic", "security": []}},
    },
}


def render(status: int, message: str) -> dict[str, Any]:
    return {"status": status, "message": message}


def no_data() -> VendorData:
    raise AssertionError("a key scheme keeps no per-vendor data")


def _identity_json(scope: Scope) -> dict[str, Any] | None:
    identity = identity_of(scope)
    if identity is None:
        return None
    return {
        "credential": dict(identity.credential),
        "subject": identity.subject,
        "claims": dict(identity.claims),
    }


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """What reached the app: path, query, body, headers, the identity and the operation the edge named."""
    body = await read_body(receive)
    await send_json(
        send,
        200,
        {
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "body": body.decode(),
            "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            "identity": _identity_json(scope),
            "operation": scope.get("extensions", {}).get(OPERATION),
        },
    )


def frozen_clock() -> SandboxClock:
    clock = SandboxClock()
    clock.freeze(T0)
    return clock


def edge(
    app: ASGIApp = echo,
    *,
    scheme: Any = KEY,
    accepted: tuple[Mapping[str, str], ...] | None = None,
    specs: Mapping[str, Mapping[str, Any]] | None = None,
    clock: SandboxClock | None = None,
    data: Callable[[], VendorData] = no_data,
    **options: Any,
) -> Routed:
    """The edge, behind the layer that finds each request's operation (as every vendor app has it)."""
    index = ApiIndex({"": SPEC} if specs is None else specs)
    guarded = CredentialEdge(
        app,
        scheme=scheme,
        accepted=scheme.defaults if accepted is None else accepted,
        index=index,
        render=render,
        clock=clock or frozen_clock(),
        data=data,
        **options,
    )
    return Routed(guarded, index)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with sync_client(edge(), base_url=BASE) as c:
        yield c


# key schemes: where credentials are found


def test_a_bearer_header_reaches_the_app_as_the_matched_identity(client: httpx.Client) -> None:
    answer = client.get("/items", headers={"Authorization": "Bearer t2"})
    assert answer.status_code == 200
    assert answer.json()["identity"] == {"credential": {"token": "t2"}, "subject": None, "claims": {}}


def test_the_bearer_prefix_is_optional_and_case_insensitive(client: httpx.Client) -> None:
    for value in ("t1", "bearer t1", "BEARER   t1", "  Bearer t1  "):
        answer = client.get("/items", headers={"Authorization": value})
        assert answer.status_code == 200, value
        assert answer.json()["identity"]["credential"] == {"token": "t1"}


def test_another_auth_scheme_prefix_is_not_stripped(client: httpx.Client) -> None:
    answer = client.get("/items", headers={"Authorization": "Basic t1"})
    assert answer.status_code == 403
    assert answer.json() == {"status": 403, "message": "Credentials are not valid"}


def test_a_query_credential_is_found_and_the_query_reaches_the_app(client: httpx.Client) -> None:
    answer = client.get("/items", params={"token": "t1", "page": "2"})
    assert answer.status_code == 200
    assert answer.json()["identity"]["credential"] == {"token": "t1"}
    assert answer.json()["query"] == "token=t1&page=2"


def test_a_form_credential_is_found_and_the_body_reaches_the_app_intact(client: httpx.Client) -> None:
    answer = client.post("/items", data={"title": "Café & co", "token": "t2"})
    assert answer.status_code == 200
    assert answer.json()["identity"]["credential"] == {"token": "t2"}
    assert answer.json()["body"] == "title=Caf%C3%A9+%26+co&token=t2"


def test_a_json_credential_is_found_and_the_body_reaches_the_app_intact(client: httpx.Client) -> None:
    sent = {"token": "t1", "item": {"title": "x", "tags": ["a", "b"]}}
    answer = client.post("/items", json=sent)
    assert answer.status_code == 200
    assert answer.json()["identity"]["credential"] == {"token": "t1"}
    assert json.loads(answer.json()["body"]) == sent


def test_a_large_body_sent_in_chunks_is_read_whole_and_replayed(client: httpx.Client) -> None:
    padding = "x" * 200_000

    def chunks() -> Iterator[bytes]:
        raw = json.dumps({"pad": padding, "token": "t2"}).encode()
        for start in range(0, len(raw), 4096):
            yield raw[start : start + 4096]

    answer = client.post("/items", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 200
    assert answer.json()["identity"]["credential"] == {"token": "t2"}
    assert json.loads(answer.json()["body"]) == {"pad": padding, "token": "t2"}


def test_a_json_credential_that_is_not_a_string_value_is_not_taken(client: httpx.Client) -> None:
    answer = client.post("/items", json={"token": {"value": "t1"}})
    assert answer.status_code == 401
    assert answer.json()["message"] == "Credentials are missing"


def test_a_body_that_is_not_json_or_a_form_holds_no_credential(client: httpx.Client) -> None:
    answer = client.post("/items", content=b"token=t1", headers={"content-type": "text/plain"})
    assert answer.status_code == 401
    assert answer.json() == {"status": 401, "message": "Credentials are missing"}


def test_malformed_json_is_passed_on_after_the_header_credential(client: httpx.Client) -> None:
    answer = client.post(
        "/items",
        content=b"{not json",
        headers={"content-type": "application/json", "Authorization": "t1"},
    )
    assert answer.status_code == 200
    assert answer.json()["body"] == "{not json"


def test_missing_and_wrong_credentials_are_refused_in_the_vendors_format(client: httpx.Client) -> None:
    missing = client.get("/items")
    assert (missing.status_code, missing.json()) == (
        401,
        {"status": 401, "message": "Credentials are missing"},
    )
    assert missing.headers["content-type"] == "application/json"
    assert int(missing.headers["content-length"]) == len(missing.content)
    wrong = client.get("/items/7", headers={"Authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()) == (403, {"status": 403, "message": "Credentials are not valid"})


def test_an_empty_credential_counts_as_missing(client: httpx.Client) -> None:
    assert client.get("/items", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/items", params={"token": ""}).status_code == 401


def test_every_field_of_a_credential_must_match_the_same_accepted_credential() -> None:
    with sync_client(edge(scheme=TWO_KEYS), base_url=BASE) as client:
        ok = client.get("/items", headers={"X-Api-Key": "k1"}, params={"acct": "a1"})
        assert ok.json()["identity"]["credential"] == {"api_key": "k1", "acct": "a1"}
        half = client.get("/items", headers={"X-Api-Key": "k1"})
        assert (half.status_code, half.json()["message"]) == (401, "Missing key")
        wrong = client.get("/items", headers={"X-Api-Key": "k1"}, params={"acct": "a2"})
        assert (wrong.status_code, wrong.json()["message"]) == (401, "Wrong key")


def test_a_fixed_refusal_body_replaces_the_renderer_and_carries_its_headers() -> None:
    scheme = KeyScheme(
        fields=(Field("token", (header("X-Token"),)),),
        defaults=({"token": "t"},),
        missing=Refusal(401, "unused", body={"error": "no token"}, headers={"WWW-Authenticate": "Token"}),
        invalid=Refusal(401, "bad"),
    )
    with sync_client(edge(scheme=scheme), base_url=BASE) as client:
        refused = client.get("/items")
    assert refused.json() == {"error": "no token"}
    assert refused.headers["WWW-Authenticate"] == "Token"


# which requests need credentials


def test_an_operation_with_empty_security_needs_no_credentials(client: httpx.Client) -> None:
    answer = client.get("/public")
    assert answer.status_code == 200
    assert answer.json()["identity"] is None


def test_an_unrouted_path_passes_through_unless_behind_a_gateway() -> None:
    with sync_client(edge(gateway=False), base_url=BASE) as app:
        assert app.get("/nowhere").status_code == 200
    with sync_client(edge(gateway=True), base_url=BASE) as gateway:
        refused = gateway.get("/nowhere")
        assert (refused.status_code, refused.json()["message"]) == (401, "Credentials are missing")
        assert gateway.get("/public").status_code == 200


def test_operations_need_credentials_unless_they_or_their_document_say_security_empty() -> None:
    # A scheme taking credentials in a body field cannot be stated as an OpenAPI security scheme,
    # so an operation stating none still needs them; `security: []` opens it.
    silent = {"paths": {"/items": {"get": {"operationId": "listItems"}}}}
    opened = {"paths": {"/items": {"get": {"operationId": "listItems", "security": []}}}}
    opened_document = {"security": [], "paths": {"/items": {"get": {"operationId": "listItems"}}}}
    for gateway in (False, True):
        with sync_client(edge(specs={"": silent}, gateway=gateway), base_url=BASE) as client:
            assert client.get("/items").status_code == 401
        for spec in (opened, opened_document):
            with sync_client(edge(specs={"": spec}, gateway=gateway), base_url=BASE) as client:
                assert client.get("/items").status_code == 200


def test_head_is_guarded_like_get_and_a_trailing_slash_is_the_same_route(client: httpx.Client) -> None:
    assert client.head("/items").status_code == 401
    assert client.get("/items/").status_code == 401
    assert client.get("/items/3/", headers={"Authorization": "t1"}).status_code == 200


def test_documents_and_docs_under_a_base_path_need_no_credentials() -> None:
    specs = {"/v1": SPEC, "": {"paths": {"/other": {"get": {"operationId": "other"}}}}}
    with sync_client(edge(specs=specs, gateway=True), base_url=BASE) as client:
        for path in ("/v1/openapi.json", "/v1/openapi.yaml", "/v1/ui", "/v1/ui/index.html", "/openapi.json"):
            assert client.get(path).status_code == 200, path
        assert client.get("/v1/items").status_code == 401
        assert client.get("/v1/public").status_code == 200
        assert client.get("/other").status_code == 401


def test_the_operation_of_a_request_is_named_for_the_journal_but_not_behind_a_gateway() -> None:
    with sync_client(edge(gateway=False), base_url=BASE) as app:
        assert app.get("/items/3", headers={"Authorization": "t1"}).json()["operation"] == "readItem"
    with sync_client(edge(gateway=True), base_url=BASE) as gateway:
        assert gateway.get("/items/3", headers={"Authorization": "t1"}).json()["operation"] is None


def test_a_lifespan_scope_passes_straight_to_the_app() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> dict[str, Any]:
        return {}

    async def ignore(message: Any) -> None:
        return None

    import anyio

    anyio.run(edge(app), {"type": "lifespan"}, nothing, ignore)
    assert seen == ["lifespan"]


# rate limit and required headers


def test_the_rate_limit_counts_per_credential_with_retry_after_on_the_clock() -> None:
    clock = frozen_clock()
    limited = edge(clock=clock, rate_limit=RateLimit("2/minute"))
    with sync_client(limited, base_url=BASE) as client:
        one, two = {"Authorization": "t1"}, {"Authorization": "t2"}
        assert [client.get("/items", headers=one).status_code for _ in range(3)] == [200, 200, 429]
        assert client.get("/items", headers=two).status_code == 200
        clock.advance(seconds=20)
        refused = client.get("/items", headers=one)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "40"
        assert refused.json()["message"] == "Rate limit exceeded; retry in 40 seconds."
        clock.advance(seconds=40)
        assert client.get("/items", headers=one).status_code == 200


def test_a_rate_limit_per_client_counts_every_credential_of_one_address_together() -> None:
    limited = edge(rate_limit=RateLimit("2/minute", per="client", message="slow down", status=503))
    with sync_client(limited, base_url=BASE) as client:
        statuses = [
            client.get("/items", headers={"Authorization": t}).status_code for t in ("t1", "t2", "t1")
        ]
        assert statuses == [200, 200, 503]
        assert client.get("/items", headers={"Authorization": "t2"}).json() == {
            "status": 503,
            "message": "slow down",
        }


def test_a_rate_limit_value_replaces_the_descriptors_and_reset_forgets_the_windows() -> None:
    limited = edge(rate_limit=RateLimit("100/minute"), rate_limit_value="1/minute")
    with sync_client(limited, base_url=BASE) as client:
        assert [client.get("/items", headers={"Authorization": "t1"}).status_code for _ in range(2)] == [
            200,
            429,
        ]
        limited.app.reset()
        assert client.get("/items", headers={"Authorization": "t1"}).status_code == 200


def test_refused_credentials_and_open_operations_do_not_count_against_the_limit() -> None:
    limited = edge(rate_limit=RateLimit("1/minute", per="client"))
    with sync_client(limited, base_url=BASE) as client:
        assert [client.get("/items").status_code for _ in range(3)] == [401, 401, 401]
        assert [client.get("/public").status_code for _ in range(3)] == [200, 200, 200]
        assert client.get("/items", headers={"Authorization": "t1"}).status_code == 200


def test_required_headers_are_checked_after_credentials_against_the_documents_enum() -> None:
    version = {"name": "X-Version", "in": "header", "schema": {"enum": ["1", "2"]}}
    spec = {
        **SPEC,
        "paths": {**SPEC["paths"], "/items": {"get": {"operationId": "l", "parameters": [version]}}},
    }
    required = RequiredHeader(
        "X-Version", 400, "X-Version is required: {expected}", "X-Version {value}: use {expected}"
    )
    with sync_client(edge(specs={"": spec}, required_headers=(required,)), base_url=BASE) as client:
        assert client.get("/items").status_code == 401
        missing = client.get("/items", headers={"Authorization": "t1"})
        assert (missing.status_code, missing.json()["message"]) == (400, "X-Version is required: 1 or 2")
        unknown = client.get("/items", headers={"Authorization": "t1", "X-Version": "3"})
        assert unknown.json()["message"] == "X-Version 3: use 1 or 2"
        assert client.get("/items", headers={"Authorization": "t1", "X-Version": "2"}).status_code == 200


# login tokens

LOGIN = LoginScheme(
    fields=(Field("app_key", (header("X-App-Key"),)),),
    defaults=({"app_key": "app1", "username": "ada", "password": "secret"},),
    missing=Refusal(401, "Missing app key"),
    invalid=Refusal(401, "Unknown app key"),
    login_fields=("username", "password"),
    login_path="/login",
    login_body={"user": "username", "pass": "password"},
    lifetime=600.0,
)
LOGIN_SPEC: dict[str, Any] = {
    "security": [{"token": []}],
    "paths": {
        "/login": {"post": {"operationId": "login", "security": []}},
        "/items": {"get": {"operationId": "listItems"}, "post": {"operationId": "createItem"}},
    },
}


class LoginVendor:
    """A vendor that hands out login tokens, behind the edge at ``/api``; it counts the logins."""

    def __init__(self, scheme: LoginScheme = LOGIN) -> None:
        self.scheme = scheme
        self.clock = frozen_clock()
        self.data = VendorData("login", 0, self.clock)
        self.logins: list[dict[str, Any]] = []
        self.statuses: list[tuple[str, int]] = []
        self.app = edge(
            self.backend,
            scheme=scheme,
            specs={"/api": LOGIN_SPEC},
            clock=self.clock,
            data=lambda: self.data,
        )

    async def backend(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] != "/api/login":
            await echo(scope, receive, send)
            return
        given = json.loads(await read_body(receive))
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.logins.append({"json": given, "app_key": headers.get("x-app-key")})
        if (given.get("user"), given.get("pass")) != ("ada", "secret"):
            await send_json(send, 401, {"message": "wrong username or password"})
            return
        await send_json(send, 200, {"token": issue_token(self.data, self.scheme, self.clock, "ada")})

    def record(self, response: httpx.Response) -> None:
        self.statuses.append((response.request.url.path, response.status_code))

    def client(self, credential: Mapping[str, str] | None = None) -> httpx.Client:
        auth = self.scheme.auth(credential or self.scheme.defaults[0], base_url=f"{BASE}/api")
        return sync_client(
            self.app, base_url=f"{BASE}/api", auth=auth, event_hooks={"response": [self.record]}
        )


def test_login_auth_logs_in_once_and_sends_the_token_with_every_request() -> None:
    vendor = LoginVendor()
    with vendor.client() as client:
        first, second = client.get("/items"), client.get("/items")
    assert vendor.logins == [{"json": {"user": "ada", "pass": "secret"}, "app_key": "app1"}]
    for answer in (first, second):
        assert answer.status_code == 200
        assert answer.json()["identity"]["subject"] == "ada"
        assert answer.json()["headers"]["x-app-key"] == "app1"
    token = first.json()["headers"]["authorization"]
    assert token.startswith("Bearer ")
    assert token_subject(vendor.data, vendor.clock, token.removeprefix("Bearer ")) == "ada"


def test_login_auth_logs_in_again_when_the_token_expires_on_the_clock() -> None:
    vendor = LoginVendor()
    with vendor.client() as client:
        before = client.get("/items").json()["headers"]["authorization"]
        vendor.clock.advance(seconds=LOGIN.lifetime - 1)
        assert client.get("/items").status_code == 200
        assert len(vendor.logins) == 1
        vendor.clock.advance(seconds=1)
        after = client.get("/items")
    assert after.status_code == 200
    assert len(vendor.logins) == 2
    assert after.json()["headers"]["authorization"] != before
    assert vendor.statuses == [
        ("/api/login", 200),
        ("/api/items", 200),
        ("/api/items", 200),
        ("/api/items", 401),
        ("/api/login", 200),
        ("/api/items", 200),
    ]


def test_a_request_to_the_login_path_itself_is_sent_without_logging_in_first() -> None:
    vendor = LoginVendor()
    with vendor.client() as client:
        answer = client.post("/login", json={"user": "ada", "pass": "wrong"})
    assert answer.status_code == 401
    assert vendor.logins == [{"json": {"user": "ada", "pass": "wrong"}, "app_key": "app1"}]


def test_a_failed_login_raises_naming_the_status_and_the_vendors_answer() -> None:
    vendor = LoginVendor()
    wrong = {"app_key": "app1", "username": "ada", "password": "nope"}
    with vendor.client(wrong) as client, pytest.raises(httpx.HTTPStatusError, match="login failed with 401"):
        client.get("/items")


def test_the_edge_refuses_a_missing_an_unknown_and_an_expired_token() -> None:
    vendor = LoginVendor()
    token = issue_token(vendor.data, LOGIN, vendor.clock, "ada")
    with sync_client(vendor.app, base_url=f"{BASE}/api", headers={"X-App-Key": "app1"}) as client:
        assert client.get("/items").json()["message"] == "Missing token"
        assert client.get("/items", headers={"Authorization": "Bearer x"}).json()["message"] == (
            "Invalid or expired token"
        )
        assert client.get("/items", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        vendor.clock.advance(seconds=LOGIN.lifetime)
        expired = client.get("/items", headers={"Authorization": f"Bearer {token}"})
        assert (expired.status_code, expired.json()["message"]) == (401, "Invalid or expired token")
        wrong_key = client.get("/items", headers={"Authorization": f"Bearer {token}", "X-App-Key": "app2"})
        assert wrong_key.json()["message"] == "Unknown app key"


def test_a_new_login_revokes_the_previous_token_only_when_the_scheme_says_so() -> None:
    clock = frozen_clock()
    data = VendorData("login", 0, clock)
    keep = LOGIN
    revoke = replace(LOGIN, revoke_previous=True)
    first, second = issue_token(data, keep, clock, "ada"), issue_token(data, keep, clock, "ada")
    assert (token_subject(data, clock, first), token_subject(data, clock, second)) == ("ada", "ada")
    third = issue_token(data, revoke, clock, "ada")
    other = issue_token(data, revoke, clock, "bob")
    assert token_subject(data, clock, second) is None
    assert token_subject(data, clock, first) == "ada"
    assert (token_subject(data, clock, third), token_subject(data, clock, other)) == ("ada", "bob")


def test_with_revoke_previous_a_second_client_logging_in_logs_the_first_out() -> None:
    vendor = LoginVendor(replace(LOGIN, revoke_previous=True))
    with vendor.client() as one, vendor.client() as two:
        old = one.get("/items").json()["headers"]["authorization"]
        assert two.get("/items").status_code == 200
        with sync_client(vendor.app, base_url=f"{BASE}/api", headers={"X-App-Key": "app1"}) as plain:
            assert plain.get("/items", headers={"Authorization": old}).status_code == 401
        assert one.get("/items").status_code == 200
    assert len(vendor.logins) == 3


def test_login_tokens_live_in_the_vendors_data_so_a_reseed_forgets_them() -> None:
    clock = frozen_clock()
    data = VendorData("login", 0, clock)
    token = issue_token(data, LOGIN, clock, "ada")
    data.reseed(0)
    assert token_subject(data, clock, token) is None


def test_a_token_in_a_json_field_is_found_by_the_edge_and_sent_by_the_client() -> None:
    vendor = LoginVendor(replace(LOGIN, token=json_field("access_token")))
    with vendor.client() as client:
        answer = client.post("/items", json={"title": "x"})
    assert answer.status_code == 200
    assert answer.json()["identity"]["subject"] == "ada"
    assert set(json.loads(answer.json()["body"])) == {"title", "access_token"}


@pytest.mark.anyio
async def test_login_auth_works_with_an_async_client() -> None:
    vendor = LoginVendor()
    auth = LOGIN.auth(LOGIN.defaults[0], base_url=f"{BASE}/api")
    async with async_client(vendor.app, base_url=f"{BASE}/api", auth=auth) as client:
        first = await client.get("/items")
        vendor.clock.advance(seconds=LOGIN.lifetime)
        second = await client.get("/items")
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(vendor.logins) == 2


# signed tokens

KEY_1 = "k" * 32
KEY_2 = "q" * 32
SIGNED = SignedScheme(
    fields=(),
    defaults=({"key": KEY_1, "subject": "ada@example.com"}, {"key": KEY_2, "subject": "bob@example.com"}),
    missing=Refusal(401, "No token: {reason}"),
    invalid=Refusal(401, "Token refused: {reason}"),
    subject_claim="email",
    max_age=300.0,
    skew=30.0,
)


class SignedVendor:
    def __init__(self, known: Callable[[str], bool] | None = None) -> None:
        self.clock = frozen_clock()
        self.data = VendorData("signed", 0, self.clock)
        self.app = edge(
            scheme=SIGNED, clock=self.clock, data=lambda: self.data, known_subject=known, gateway=True
        )

    def client(self) -> httpx.Client:
        return sync_client(self.app, base_url=BASE)

    def claims(self, **changes: Any) -> dict[str, Any]:
        claims: dict[str, Any] = {"email": "ada@example.com", "iat": int(self.clock.now()), "jti": "j1"}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def hs256(claims: Mapping[str, Any], key: str = KEY_1) -> str:
    return jwt.encode(dict(claims), key, algorithm="HS256")


def refusal(client: httpx.Client, token: str) -> str:
    answer = client.get("/items", headers=bearer(token))
    assert answer.status_code == 401, answer.text
    return str(answer.json()["message"])


def test_a_signed_token_from_the_scheme_passes_and_names_its_subject() -> None:
    vendor = SignedVendor()
    auth = SIGNED.auth(SIGNED.defaults[1], clock=vendor.clock)
    with sync_client(vendor.app, base_url=BASE, auth=auth) as client:
        answers = [client.get("/items") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    identity = answers[0].json()["identity"]
    assert identity["subject"] == "bob@example.com"
    assert identity["credential"] == SIGNED.defaults[1]
    assert identity["claims"]["iat"] == int(T0)
    assert len({a.json()["identity"]["claims"]["jti"] for a in answers}) == 3


def test_a_missing_token_is_refused_saying_none_was_sent() -> None:
    with SignedVendor().client() as client:
        answer = client.get("/items")
    assert (answer.status_code, answer.json()["message"]) == (401, "No token: no token was sent")


def test_a_token_that_is_not_a_jwt_is_refused() -> None:
    with SignedVendor().client() as client:
        assert refusal(client, "not-a-jwt").startswith("Token refused: the token is not a JWT")


def test_an_unsigned_alg_none_token_is_refused() -> None:
    vendor = SignedVendor()

    def b64(part: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")

    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(vendor.claims())}."
    with vendor.client() as client:
        assert refusal(client, unsigned) == "Token refused: algorithm 'none' is not accepted; sign with HS256"


def test_a_token_signed_with_another_algorithm_is_refused() -> None:
    vendor = SignedVendor()
    token = jwt.encode(vendor.claims(), KEY_1 * 2, algorithm="HS512")
    with vendor.client() as client:
        assert refusal(client, token) == "Token refused: algorithm 'HS512' is not accepted; sign with HS256"


def test_a_token_signed_with_a_key_no_account_has_is_refused() -> None:
    vendor = SignedVendor()
    with vendor.client() as client:
        message = refusal(client, hs256(vendor.claims(), "z" * 32))
    assert message == "Token refused: the signature does not verify with the account's key"


def test_the_key_that_verifies_the_token_names_the_account() -> None:
    vendor = SignedVendor()
    with vendor.client() as client:
        answer = client.get("/items", headers=bearer(hs256(vendor.claims(email="bob@example.com"), KEY_2)))
    assert answer.json()["identity"]["credential"] == SIGNED.defaults[1]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"email": None}, "the 'email' claim is missing"),
        ({"email": ""}, "the 'email' claim is missing"),
        ({"jti": None}, "the 'jti' claim is missing"),
        ({"jti": ""}, "the 'jti' claim is missing"),
        ({"jti": True}, "the 'jti' claim is missing"),
        ({"iat": None}, "the 'iat' claim is missing or not a finite number"),
        ({"iat": "now"}, "the 'iat' claim is missing or not a finite number"),
    ],
)
def test_a_token_missing_a_claim_is_refused_naming_it(changes: dict[str, Any], reason: str) -> None:
    vendor = SignedVendor()
    with vendor.client() as client:
        assert refusal(client, hs256(vendor.claims(**changes))) == f"Token refused: {reason}"


def test_a_token_older_than_max_age_on_the_sandbox_clock_is_refused() -> None:
    vendor = SignedVendor()
    issued = int(T0)
    with vendor.client() as client:
        vendor.clock.advance(seconds=SIGNED.max_age)
        assert (
            client.get("/items", headers=bearer(hs256(vendor.claims(iat=issued, jti="a")))).status_code == 200
        )
        vendor.clock.advance(seconds=1)
        message = refusal(client, hs256(vendor.claims(iat=issued, jti="b")))
    assert message == "Token refused: the token is stale: issued 301 s ago"


def test_a_token_issued_ahead_of_the_clock_is_refused_beyond_the_skew() -> None:
    vendor = SignedVendor()
    with vendor.client() as client:
        ahead = int(T0 + SIGNED.skew)
        assert (
            client.get("/items", headers=bearer(hs256(vendor.claims(iat=ahead, jti="a")))).status_code == 200
        )
        message = refusal(client, hs256(vendor.claims(iat=ahead + 1, jti="b")))
    assert message == "Token refused: the token is issued in the future ('iat' ahead of the clock)"


def test_a_replayed_token_is_refused_and_integer_and_string_jtis_are_both_accepted() -> None:
    vendor = SignedVendor()
    with vendor.client() as client:
        for jti in (42, "abc"):
            token = hs256(vendor.claims(jti=jti))
            assert client.get("/items", headers=bearer(token)).status_code == 200
            assert refusal(client, token) == "Token refused: the token was already used ('jti' replayed)"


def test_a_used_jti_is_forgotten_once_its_token_could_no_longer_pass() -> None:
    vendor = SignedVendor()
    with vendor.client() as client:
        assert client.get("/items", headers=bearer(hs256(vendor.claims()))).status_code == 200
        vendor.clock.advance(seconds=SIGNED.max_age + SIGNED.skew + 1)
        assert vendor.clock.now() - T0 > SIGNED.max_age
        fresh = hs256(vendor.claims(iat=int(vendor.clock.now())))
        assert client.get("/items", headers=bearer(fresh)).status_code == 200
    assert list(vendor.data.extras["lms_sandbox.signed"]) == ["j1"]


def test_a_refused_token_does_not_use_up_its_jti() -> None:
    vendor = SignedVendor(known=lambda subject: subject == "ada@example.com")
    with vendor.client() as client:
        assert refusal(client, hs256(vendor.claims(email="eve@example.com"))) == (
            "Token refused: 'eve@example.com' is not known to this account"
        )
        assert client.get("/items", headers=bearer(hs256(vendor.claims()))).status_code == 200


def test_the_known_subject_hook_is_asked_about_the_tokens_subject() -> None:
    asked: list[str] = []

    def known(subject: str) -> bool:
        asked.append(subject)
        return True

    vendor = SignedVendor(known)
    with vendor.client() as client:
        assert client.get("/items", headers=bearer(hs256(vendor.claims()))).status_code == 200
    assert asked == ["ada@example.com"]


def test_single_use_ids_are_forgotten_in_expiry_order_without_reading_them_all() -> None:
    from mockserver.vendors.edge import _forget_expired

    seen = {"a": 10.0, "b": 30.0, "c": 20.0}
    expiry: list[tuple[float, str]] = []
    # Ids kept without their heap (older state) are indexed first, then dropped as they expire.
    _forget_expired(seen, expiry, now=15.0)
    assert seen == {"b": 30.0, "c": 20.0}
    _forget_expired(seen, expiry, now=25.0)
    assert seen == {"b": 30.0}
    assert expiry == [(30.0, "b")]
    _forget_expired(seen, expiry, now=30.0)
    assert seen == {"b": 30.0}
