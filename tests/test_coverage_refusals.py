"""Coverage of the ways each API refuses (``mockserver.vendors.refusals``): every way listed can be met,
is counted under its own cause (one 401 stands for several), and the report says which were never met."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.coverage import Report
from mockserver.coverage_render import render
from mockserver.index import Operation
from mockserver.plugin import SandboxHandle
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY
from mockserver.vendors.credentials import LoginScheme, SignedScheme
from tests.vendor_fixtures import plain_gets

Provoke = Callable[[SandboxHandle, str], httpx.Response]


def _secured_get(app: Sandbox, name: str) -> Operation:
    return next(op for op in plain_gets(app.contexts[name].index) if op.secured)


def _raw(handle: SandboxHandle, name: str, headers: dict[str, str], **params: str) -> httpx.Response:
    """A GET of the API's first plain secured operation with only ``headers`` (and its client headers)."""
    app = handle.app
    info = handle.api(name)
    with sync_client(app, base_url=handle.base_url(name)) as client:
        return client.get(
            _secured_get(app, name).path, headers={**info.client_headers, **headers}, params=params
        )


def _keys(handle: SandboxHandle, name: str, credential: dict[str, str] | None = None) -> httpx.Response:
    """The call with the scheme's key fields only (``credential``'s, else the accepted one), no token."""
    info = handle.api(name)
    sent = info.vendor.credentials.sent(credential or info.credentials[0], "GET")
    return _raw(handle, name, sent.get("header", {}), **sent.get("query", {}))


def _with_token(handle: SandboxHandle, name: str, token: str) -> httpx.Response:
    scheme = handle.api(name).vendor.credentials
    assert isinstance(scheme, LoginScheme | SignedScheme)
    info = handle.api(name)
    keys = scheme.sent(info.credentials[0], "GET").get("header", {})
    return _raw(handle, name, {**keys, scheme.token.name: scheme.token.carry(token)})


def _signed(
    handle: SandboxHandle, name: str, *, shift: float = 0, key: str | None = None, **claims: str
) -> str:
    scheme = handle.api(name).vendor.credentials
    assert isinstance(scheme, SignedScheme)
    credential = handle.api(name).credentials[0]
    made = {**scheme.claims(credential, now=handle.clock.now() + shift), **claims}
    return scheme.encode(made, key or credential[scheme.key_field])


def _call(handle: SandboxHandle, name: str) -> httpx.Response:
    return handle.client(name).get(_secured_get(handle.app, name).path)


def _expired(handle: SandboxHandle, name: str) -> httpx.Response:
    scheme = handle.api(name).vendor.credentials
    assert isinstance(scheme, LoginScheme)
    _call(handle, name)
    handle.clock.advance(scheme.lifetime + 1)
    return _call(handle, name)  # refused, then logged in again by the client's auth


def _revoked(handle: SandboxHandle, name: str) -> httpx.Response:
    info = handle.api(name)
    first, second = (info.vendor.credentials.auth(info.credentials[0], base_url=info.prefix) for _ in "ab")
    path = _secured_get(handle.app, name).path
    with sync_client(handle.app, base_url=handle.base_url(name), headers=info.client_headers) as client:
        client.get(path, auth=first)
        client.get(path, auth=second)  # a newer login of the same user
        return client.get(path, auth=first)


def _replayed(handle: SandboxHandle, name: str) -> httpx.Response:
    token = _signed(handle, name)
    _with_token(handle, name, token)
    return _with_token(handle, name, token)


def _header(value: str) -> Callable[[str], Provoke]:
    def made(header: str) -> Provoke:
        return lambda handle, name: handle.client(name).get(
            _secured_get(handle.app, name).path, headers={header: value}
        )

    return made


def _rate_limited(handle: SandboxHandle, name: str) -> httpx.Response:
    for _ in range(3):
        answer = _call(handle, name)
    return answer


PROVOKE: dict[str, Provoke] = {
    "credential-missing": lambda handle, name: _raw(handle, name, {}),
    "credential-wrong": lambda handle, name: _keys(
        handle, name, {n: f"wrong-{n}" for n in handle.api(name).vendor.credentials.names}
    ),
    "token-missing": lambda handle, name: _keys(handle, name),
    "token-expired": _expired,
    "token-revoked": _revoked,
    "token-unknown": lambda handle, name: _with_token(handle, name, "never-issued-token"),
    "token-malformed": lambda handle, name: _with_token(handle, name, "not-a-jwt"),
    "token-signature": lambda handle, name: _with_token(handle, name, _signed(handle, name, key="other-key")),
    "token-stale": lambda handle, name: _with_token(handle, name, _signed(handle, name, shift=-3600)),
    "token-future": lambda handle, name: _with_token(handle, name, _signed(handle, name, shift=3600)),
    "token-replayed": _replayed,
    "subject-unknown": lambda handle, name: _with_token(
        handle, name, _signed(handle, name, email="nobody@example.invalid")
    ),
    "rate-limited": _rate_limited,
}
HEADERS = {"header-missing": _header(""), "header-unknown": _header("999")}


@pytest.fixture(scope="module")
def limited() -> Iterator[Sandbox]:
    """A sandbox whose APIs with a rate limit allow one call an hour."""
    app = create_app(rate_limits={n: "1 per hour" for n, v in REGISTRY.items() if v.rate_limit is not None})
    yield app
    app.close()


def _refused(app: Sandbox, name: str) -> dict[str, int]:
    (api,) = [a for a in app.coverage().apis if a.name == name]
    return api.refused


def _meet(app: Sandbox, name: str, cause: str) -> httpx.Response:
    """Reset ``app``, then make ``name``'s edge refuse a request for ``cause``."""
    app.reset(0)
    kind, _, header = cause.partition(":")
    provoke = HEADERS[kind](header) if header else PROVOKE[cause]
    handle = SandboxHandle(app, app.options)
    try:
        return provoke(handle, name)
    finally:
        handle.close()


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_way_an_api_refuses_is_met_and_counted_under_its_cause(
    sandbox: Sandbox, limited: Sandbox, name: str
) -> None:
    wrong = []
    cases = sandbox.documented[name].refusals
    listed = {c.cause for c in cases}
    assert "credential-missing" in listed or "token-missing" in listed
    for case in cases:
        app = limited if case.cause == "rate-limited" else sandbox
        answer = _meet(app, name, case.cause)
        refused = _refused(app, name)
        # (After an expired or a revoked token the client's auth logs in again and is answered.)
        if case.cause not in ("token-expired", "token-revoked") and answer.status_code != case.status:
            wrong.append(
                f"{case.cause}: answered {answer.status_code}, not {case.status}: {answer.text[:200]}"
            )
        if not refused.get(case.cause):
            wrong.append(f"{case.cause}: not counted; counted {refused}")
        if not set(refused) <= listed:
            wrong.append(
                f"{case.cause}: counted under causes the report does not list: {set(refused) - listed}"
            )
    assert not wrong, "\n".join(wrong)


def test_a_401_for_an_expired_token_is_not_one_for_a_missing_token(sandbox: Sandbox) -> None:
    name = next(n for n, v in REGISTRY.items() if isinstance(v.credentials, LoginScheme))
    handle = SandboxHandle(sandbox, sandbox.options)
    try:
        _expired(handle, name)
    finally:
        handle.close()
    (api,) = [a for a in sandbox.coverage().apis if a.name == name]
    assert api.refused == {"token-expired": 1}
    never = api.refusals_never_met()
    assert not any("expired" in sentence for sentence in never)
    assert any("without its login token" in sentence for sentence in never)
    for format in ("term", "markdown", "html"):
        text = render(Report([api]), format)
        assert "without its login token" in text
        assert "had expired" not in text


def test_refusal_counts_survive_json_and_merge(sandbox: Sandbox) -> None:
    name = next(iter(sandbox.apis))
    handle = SandboxHandle(sandbox, sandbox.options)
    try:
        PROVOKE["credential-missing"](handle, name)
    finally:
        handle.close()
    report = sandbox.coverage()
    again = Report.from_json(report.to_json())
    merged = again.merge(report)
    (api,) = [a for a in merged.apis if a.name == name]
    assert api.refused["credential-missing"] == 2
    (entry,) = [r for r in api.to_json()["refusals"] if r["cause"] == "credential-missing"]
    assert entry["count"] == 2
    assert entry["sentence"] is None
    assert api.refusal_ratio.done == 1
