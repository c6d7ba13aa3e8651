"""The journal keeps no credential's value: each vendor's scheme fields, tokens, passwords; unless asked."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.redaction import REDACTED, Redactor
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY, vendor_names
from mockserver.vendors.credentials import LoginScheme

# Credential fields naming who calls: data the journal shows, not secrets.
IDENTITIES = {"username", "email"}


@pytest.fixture(scope="module")
def keeping() -> Iterator[Sandbox]:
    app = create_app(journal_secrets=True)
    yield app
    app.close()


def _call(app: Sandbox, api: str) -> list[str]:
    """One authenticated call to an operation without path parameters; the secrets it carried."""
    vendor = REGISTRY[api]
    scheme = vendor.credentials
    credential = scheme.defaults[0]
    plain = [op for op in app.contexts[api].index.operations.values() if "{" not in op.path]
    operation = next((op for op in plain if op.method.lower() == "get"), plain[0])
    base = f"http://sandbox{app.apis[api].prefix}"
    app.journal.clear()
    headers = dict(vendor.client_headers)
    with sync_client(app, base_url=base, auth=scheme.auth(credential, base_url=base)) as client:
        client.request(operation.method.upper(), operation.path, headers=headers)
        auth = client.auth
    # And every field in each place besides headers its scheme lets it travel (as a client may send it).
    placed: dict[str, dict[str, str]] = {"query": {}, "json": {}, "form": {}}
    for f in scheme.fields:
        for source in f.sources:
            placed.get(source.where, {})[source.name] = credential[f.name]
    with sync_client(app, base_url=base) as client:
        client.post(operation.path, params=placed["query"], json=placed["json"], headers=headers)
        client.post(operation.path, data=placed["form"], headers=headers)
    secrets = [v for k, v in credential.items() if k not in IDENTITIES]
    token = getattr(auth, "token", None)
    return secrets + ([token] if isinstance(token, str) else [])


def _journalled(app: Sandbox) -> str:
    entries = app.journal.entries()
    assert entries
    return "\n".join(f"{e.query}\n{e.request_body}\n{e.response_body}" for e in entries)


def _sent_outside_headers(api: str) -> bool:
    """Whether ``api``'s credentials may travel anywhere the journal keeps (query, bodies, a login)."""
    scheme = REGISTRY[api].credentials
    elsewhere = any(s.where != "header" for f in scheme.fields for s in f.sources)
    return elsewhere or isinstance(scheme, LoginScheme)


@pytest.mark.parametrize("api", vendor_names())
def test_no_credential_value_reaches_the_journal(sandbox: Sandbox, api: str) -> None:
    secrets = _call(sandbox, api)

    journalled = _journalled(sandbox)
    assert [s for s in secrets if s in journalled] == []
    if _sent_outside_headers(api):
        assert REDACTED in journalled


@pytest.mark.parametrize("api", [name for name in vendor_names() if _sent_outside_headers(name)])
def test_journal_secrets_keeps_them_for_debugging(keeping: Sandbox, api: str) -> None:
    secrets = _call(keeping, api)

    journalled = _journalled(keeping)
    assert any(s in journalled for s in secrets)
    assert REDACTED not in journalled


REDACTOR = Redactor.of(["acct_key", "Ocp-Apim-Subscription-Key"], logins=["/authenticate"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"password": "p@ss", "name": "Ann"}', '{"password": "[redacted]", "name": "Ann"}'),
        ('{"user": {"Password": "x", "accessToken": "t"}}', '{"user": {"Password": "[redacted]", '),
        ('{"client-secret":"s","acct_key":"k"}', '{"client-secret":"[redacted]","acct_key":"[redacted]"}'),
        ('{"private_key": 12345, "token": null}', '{"private_key": "[redacted]", "token": null}'),
        (
            '{"username": "ann", "key": "k", "token_count": 3}',
            '{"username": "ann", "key": "k", "token_count": 3}',
        ),
        ('{"items": [{"api_key": "a"}], "password": "trunc', '{"items": [{"api_key": "[redacted]"}]'),
        ('{"pass\\u0077ord": "escaped"}', '{"pass\\u0077ord": "[redacted]"}'),
    ],
    ids=["top", "nested any case", "vendor names", "number, null", "not secrets", "truncated", "escaped"],
)
def test_json_members_named_as_secrets_are_redacted_keys_kept(text: str, expected: str) -> None:
    assert REDACTOR.body(text, "application/json; charset=utf-8").startswith(expected)


def test_forms_and_queries_keep_their_other_pairs() -> None:
    assert REDACTOR.pairs("api_key=K&acct_key=A&name=x") == "api_key=[redacted]&acct_key=[redacted]&name=x"
    assert REDACTOR.body("Password=p&email=a%40b", "application/x-www-form-urlencoded") == (
        "Password=[redacted]&email=a%40b"
    )
    assert REDACTOR.pairs("page=2&sort=name") == "page=2&sort=name"


def test_a_login_answer_that_is_a_bare_token_is_redacted_whole() -> None:
    assert REDACTOR.body('"tok-123"', "application/json", "/authenticate") == '"[redacted]"'
    assert REDACTOR.body('"just text"', "application/json", "/users") == '"just text"'
    assert REDACTOR.body("<password>x</password>", "application/xml") == "<password>x</password>"


def test_the_control_plane_journal_shows_redacted_values(client: httpx.Client, sandbox: Sandbox) -> None:
    api = next(name for name in vendor_names() if _sent_outside_headers(name))
    secrets = _call(sandbox, api)

    listed = client.get("/__sandbox__/journal", params={"api": api}).json()["entries"]
    shown = "".join(f"{e['query']}{e['request_body']}{e['response_body']}" for e in listed)
    assert REDACTED in shown
    assert [s for s in secrets if s in shown] == []
