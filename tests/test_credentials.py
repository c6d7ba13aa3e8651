"""Credential schemes as data, and the ``httpx.Auth`` each gives a client (seen through a MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qsl

import httpx
import jwt
import pytest

from mockserver.vendors.credentials import (
    Field,
    KeyScheme,
    LoginScheme,
    Refusal,
    SignedScheme,
    Source,
    form,
    header,
    json_field,
    query,
)

REFUSE = Refusal(401, "no")

ONE = KeyScheme(
    fields=(Field("token", (header("Authorization", "Bearer"),)),),
    defaults=({"token": "t1"},),
    missing=REFUSE,
    invalid=REFUSE,
)

MIXED = KeyScheme(
    fields=(
        Field("api_key", (header("X-Api-Key"),)),
        Field("acct", (form("acct"), query("acct"))),
        Field("secret", (json_field("secret"),)),
    ),
    defaults=({"api_key": "k", "acct": "a", "secret": "s"},),
    missing=REFUSE,
    invalid=REFUSE,
)

QUERY = KeyScheme(
    fields=(Field("key", (query("key"),)),),
    defaults=({"key": "q1"},),
    missing=REFUSE,
    invalid=REFUSE,
)

KEY = "k" * 32
SIGNED = SignedScheme(
    fields=(),
    defaults=({"key": KEY, "subject": "ada@example.com"},),
    missing=REFUSE,
    invalid=REFUSE,
    subject_claim="email",
)


class Recorder:
    """A MockTransport that answers 200 and keeps every request it was sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json={})


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def client(recorder: Recorder, auth: httpx.Auth) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(recorder), base_url="http://api", auth=auth)


@pytest.fixture
def mixed(recorder: Recorder) -> Iterator[httpx.Client]:
    with client(recorder, MIXED.auth(MIXED.defaults[0])) as c:
        yield c


# schemes as data


def test_a_source_outside_the_known_locations_is_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="header, query, form, json, not 'cookie'"):
        Source("cookie", "sid")


def test_a_field_needs_a_source_and_a_scheme_a_complete_default() -> None:
    with pytest.raises(ValueError, match="'token' needs at least one source"):
        Field("token", ())
    with pytest.raises(ValueError, match="at least one default"):
        KeyScheme(fields=ONE.fields, defaults=(), missing=REFUSE, invalid=REFUSE)
    with pytest.raises(ValueError, match="needs acct, secret"):
        KeyScheme(fields=MIXED.fields, defaults=({"api_key": "k"},), missing=REFUSE, invalid=REFUSE)


def test_check_returns_exactly_the_schemes_fields_as_strings() -> None:
    assert MIXED.check({"api_key": "k", "acct": "a", "secret": "s", "extra": "x"}) == {
        "api_key": "k",
        "acct": "a",
        "secret": "s",
    }
    with pytest.raises(ValueError, match="needs acct"):
        MIXED.check({"api_key": "k", "acct": "", "secret": "s"})


def test_parse_takes_a_bare_value_for_one_field_and_pairs_otherwise() -> None:
    assert ONE.parse("t9") == {"token": "t9"}
    assert ONE.parse("token=t9") == {"token": "t9"}
    assert MIXED.parse(" api_key = k , acct=a,secret=s=2 ") == {"api_key": "k", "acct": "a", "secret": "s=2"}


def test_parse_refuses_a_malformed_or_incomplete_credential_saying_what_it_expects() -> None:
    with pytest.raises(ValueError, match=r"expected api_key=VALUE,acct=VALUE,secret=VALUE; got 'k'"):
        MIXED.parse("k")
    with pytest.raises(ValueError, match="needs secret"):
        MIXED.parse("api_key=k,acct=a")


@pytest.mark.parametrize("value", ["t9", "dG9rZW4=", "a=b", "with space"])
def test_format_and_parse_are_inverse_for_one_field(value: str) -> None:
    assert ONE.format({"token": value}) == value
    assert ONE.parse(ONE.format({"token": value})) == {"token": value}


def test_format_and_parse_are_inverse_for_several_fields() -> None:
    credential = {"api_key": "k=1", "acct": "a", "secret": "s"}
    assert MIXED.format(credential) == "api_key=k=1,acct=a,secret=s"
    assert MIXED.parse(MIXED.format(credential)) == credential


def test_sent_puts_each_field_in_its_first_source() -> None:
    assert MIXED.sent(MIXED.defaults[0]) == {
        "header": {"X-Api-Key": "k"},
        "form": {"acct": "a"},
        "json": {"secret": "s"},
    }


def test_without_a_body_a_form_field_goes_in_the_query_where_it_may() -> None:
    for method in ("GET", "head", "DELETE", "OPTIONS"):
        assert MIXED.sent(MIXED.defaults[0], method) == {
            "header": {"X-Api-Key": "k"},
            "query": {"acct": "a"},
            "json": {"secret": "s"},
        }


def test_headers_only_is_true_only_for_key_schemes_sending_every_field_in_a_header() -> None:
    assert ONE.headers_only
    assert ONE.headers({"token": "t1"}) == {"Authorization": "t1"}
    assert not MIXED.headers_only
    assert not QUERY.headers_only
    assert QUERY.headers({"key": "q1"}) == {}
    assert not SIGNED.headers_only


def test_describe_names_the_kind_the_values_every_source_and_what_is_sent() -> None:
    assert QUERY.describe({"key": "q1"}) == {
        "kind": "key",
        "values": {"key": "q1"},
        "fields": {"key": [{"in": "query", "name": "key"}]},
        "send": {"query": {"key": "q1"}},
    }


def test_a_login_scheme_describes_its_login_call_and_its_token() -> None:
    scheme = LoginScheme(
        fields=(Field("app", (header("X-App"),)),),
        defaults=({"app": "a", "user": "ada", "pw": "pw"},),
        missing=REFUSE,
        invalid=REFUSE,
        login_fields=("user", "pw"),
        login_path="/authenticate",
        login_body={"username": "user", "password": "pw"},
        token=query("access_token"),
    )
    assert scheme.names == ("app", "user", "pw")
    with pytest.raises(ValueError, match="needs pw"):
        scheme.check({"app": "a", "user": "ada"})
    described = scheme.describe(scheme.defaults[0])
    assert described["kind"] == "login"
    assert described["send"] == {"header": {"X-App": "a"}}
    assert described["login"] == {
        "method": "POST",
        "path": "/authenticate",
        "json": {"username": "ada", "password": "pw"},
    }
    assert described["token"] == {"in": "query", "name": "access_token"}


def test_a_signed_scheme_sends_no_fields_and_describes_its_token_and_claims() -> None:
    assert SIGNED.names == ("key", "subject")
    assert SIGNED.sent(SIGNED.defaults[0]) == {}
    described = SIGNED.describe(SIGNED.defaults[0])
    assert (described["kind"], described["send"]) == ("signed", {})
    assert described["token"] == {
        "in": "header",
        "name": "Authorization",
        "algorithm": "HS256",
        "claims": ["email", "iat", "jti"],
    }


def test_sign_makes_an_hs256_token_with_the_subject_iat_and_a_fresh_jti() -> None:
    first = SIGNED.sign(SIGNED.defaults[0], now=1_800_000_000.9)
    second = SIGNED.sign(SIGNED.defaults[0], now=1_800_000_000.9)
    assert jwt.get_unverified_header(first)["alg"] == "HS256"
    claims = jwt.decode(first, KEY, algorithms=["HS256"], options={"verify_iat": False})
    assert (claims["email"], claims["iat"]) == ("ada@example.com", 1_800_000_000)
    assert (
        claims["jti"] != jwt.decode(second, KEY, algorithms=["HS256"], options={"verify_iat": False})["jti"]
    )


# the clients' auth


def test_send_fields_puts_header_form_and_json_fields_where_the_scheme_says(
    recorder: Recorder, mixed: httpx.Client
) -> None:
    mixed.post("/x", data={"title": "t"})
    mixed.post("/x", json={"title": "t"})
    posted_form, posted_json = recorder.requests
    assert posted_form.headers["X-Api-Key"] == "k"
    assert posted_form.headers["content-type"] == "application/x-www-form-urlencoded"
    # A JSON field joins a form body as a form field when the caller sent a form.
    assert parse_qsl(posted_form.content.decode()) == [("title", "t"), ("acct", "a"), ("secret", "s")]
    assert int(posted_form.headers["content-length"]) == len(posted_form.content)
    assert posted_json.headers["content-type"] == "application/json"
    assert json.loads(posted_json.content) == {"secret": "s", "title": "t"}
    # A form field cannot join a JSON body: it goes in the query, its other source.
    assert dict(posted_json.url.params) == {"acct": "a"}
    assert int(posted_json.headers["content-length"]) == len(posted_json.content)


def test_send_fields_keeps_what_the_caller_sent_itself(recorder: Recorder, mixed: httpx.Client) -> None:
    mixed.post("/x", json={"secret": "mine"}, headers={"X-Api-Key": "own"})
    mixed.get("/x", params={"acct": "own"})
    posted, got = recorder.requests
    assert posted.headers["X-Api-Key"] == "own"
    assert json.loads(posted.content)["secret"] == "mine"
    assert got.url.params["acct"] == "own"


def test_send_fields_on_a_get_sends_a_form_field_in_the_query(
    recorder: Recorder, mixed: httpx.Client
) -> None:
    mixed.get("/x", params={"page": "2"})
    (got,) = recorder.requests
    assert dict(got.url.params) == {"page": "2", "acct": "a"}
    # A field that may only travel in JSON still does, as a body of its own.
    assert json.loads(got.content) == {"secret": "s"}


def test_a_body_the_fields_cannot_join_sends_them_in_the_query(
    recorder: Recorder, mixed: httpx.Client
) -> None:
    mixed.post("/x", files={"file": ("a.txt", b"hello")})
    (posted,) = recorder.requests
    assert dict(posted.url.params) == {"acct": "a", "secret": "s"}
    assert b"hello" in posted.content
    assert posted.headers["content-type"].startswith("multipart/form-data")


def test_a_query_scheme_adds_its_key_to_the_query(recorder: Recorder) -> None:
    with client(recorder, QUERY.auth({"key": "q1"})) as c:
        c.get("/x", params={"a": "1"})
    assert str(recorder.requests[0].url) == "http://api/x?a=1&key=q1"


def test_signed_auth_sends_a_fresh_bearer_token_dated_on_the_given_clock(recorder: Recorder) -> None:
    auth = SIGNED.auth(SIGNED.defaults[0], clock=lambda: 1_700_000_000.0)
    with client(recorder, auth) as c:
        c.get("/x")
        c.get("/x")
    tokens = [r.headers["Authorization"] for r in recorder.requests]
    assert all(t.startswith("Bearer ") for t in tokens)
    claims = [
        jwt.decode(t.removeprefix("Bearer "), KEY, algorithms=["HS256"], options={"verify_iat": False})
        for t in tokens
    ]
    assert [c["iat"] for c in claims] == [1_700_000_000, 1_700_000_000]
    assert claims[0]["jti"] != claims[1]["jti"]
    assert claims[0]["email"] == "ada@example.com"


def test_auth_refuses_an_incomplete_credential() -> None:
    with pytest.raises(ValueError, match="needs subject"):
        SIGNED.auth({"key": KEY})
    with pytest.raises(ValueError, match="needs token"):
        ONE.auth({})
