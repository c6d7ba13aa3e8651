"""Copy as curl (``POST /__sandbox__/apis/{api}/curl``, mockserver/curls.py) run for real: each command
through ``bash -c`` and the ``curl`` binary against one sandbox served on 127.0.0.1 and a free port.

Every test works in a session of its own (``X-Sandbox-Session``), so one server serves the module and
no test sees another's data, clock, tokens or journal. What a command did is read back from the
session's journal (its status) and state.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.curls import Call, curl_command, example_call
from mockserver.server import LiveServer
from mockserver.vendors import REGISTRY
from mockserver.vendors.credentials import Credential, LoginScheme, SignedScheme

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the curl binary is not installed")

SIGNED = [name for name, vendor in REGISTRY.items() if isinstance(vendor.credentials, SignedScheme)]
LOGIN = [name for name, vendor in REGISTRY.items() if isinstance(vendor.credentials, LoginScheme)]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = create_app()
    with LiveServer(sandbox) as live:
        yield sandbox, live.url
    sandbox.close()


@pytest.fixture
def control(served: tuple[Sandbox, str]) -> Iterator[httpx.Client]:
    """A client of the control plane in a session of this test's own (deleted after it)."""
    session = f"curl-{secrets.token_hex(4)}"
    with httpx.Client(base_url=f"{served[1]}/__sandbox__", headers={"X-Sandbox-Session": session}) as client:
        yield client
        client.delete(f"/sessions/{session}")


def _fetch(control: httpx.Client, api: str, **call: Any) -> dict[str, Any]:
    answer = control.post(f"/apis/{api}/curl", json=call)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _run(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def _last(control: httpx.Client, api: str) -> dict[str, Any]:
    """The session's newest journal entry of ``api``: the call a command made last."""
    entries = control.get("/journal", params={"api": api, "limit": 1}).json()["entries"]
    assert entries, f"no call to {api} reached the sandbox"
    return dict(entries[-1])


def _example(sandbox: Sandbox, name: str) -> tuple[str, str]:
    vendor = REGISTRY[name]
    operation = example_call(sandbox.contexts[name].index, vendor.client_headers, vendor.example_call)
    assert operation is not None, f"{name} has no example call"
    return operation.method, f"{sandbox.apis[name].prefix}{operation.path}"


def _login_api(served: tuple[Sandbox, str], name: str) -> tuple[Sandbox, str, LoginScheme, Credential]:
    """The sandbox, its URL, API ``name``'s login scheme and the credential the sandbox accepts first."""
    sandbox, url = served
    scheme = REGISTRY[name].credentials
    assert isinstance(scheme, LoginScheme)
    return sandbox, url, scheme, sandbox.contexts[name].credentials[0]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_example_command_answers_2xx_and_without_credentials_the_refusal(
    served: tuple[Sandbox, str], control: httpx.Client, name: str
) -> None:
    sandbox, url = served
    method, path = _example(sandbox, name)

    ran = _run(_fetch(control, name)["command"])

    assert ran.returncode == 0, ran.stderr
    called = _last(control, name)
    assert (called["method"], called["path"]) == (method, path)
    assert 200 <= called["status"] < 300, called
    scheme = REGISTRY[name].credentials
    session = control.headers["X-Sandbox-Session"]
    bare = curl_command(
        scheme,
        None,
        Call(method, f"{url}{path}", headers=REGISTRY[name].client_headers),
        api_url=f"{url}{sandbox.apis[name].prefix}",
        now=0,
        session=session,
    )
    assert _run(bare.command).returncode == 0
    refused = _last(control, name)
    assert refused["seq"] > called["seq"]
    assert refused["status"] == scheme.missing.status, refused


@pytest.mark.parametrize("name", SIGNED)
def test_a_signed_command_is_single_use(control: httpx.Client, name: str) -> None:
    fetched = _fetch(control, name)
    scheme = REGISTRY[name].credentials
    assert isinstance(scheme, SignedScheme)
    assert fetched["expires_in"] == scheme.max_age
    assert "single-use" in fetched["note"]

    _run(fetched["command"])
    first = _last(control, name)
    _run(fetched["command"])
    again = _last(control, name)

    assert 200 <= first["status"] < 300, first
    assert again["seq"] > first["seq"]
    assert again["status"] == scheme.invalid.status, again


@pytest.mark.parametrize("name", SIGNED)
def test_a_signed_command_expires_on_the_sandbox_clock(control: httpx.Client, name: str) -> None:
    scheme = REGISTRY[name].credentials
    assert isinstance(scheme, SignedScheme)
    # Signed on the sandbox clock: an hour ahead of the wall clock, a fresh command still works.
    assert control.post("/clock/advance", json={"hours": 1}).status_code == 200
    _run(_fetch(control, name)["command"])
    fresh = _last(control, name)
    stale = _fetch(control, name)
    past = scheme.max_age + scheme.skew + 1
    assert control.post("/clock/advance", json={"seconds": past}).status_code == 200

    _run(stale["command"])

    assert 200 <= fresh["status"] < 300, fresh
    assert _last(control, name)["status"] == scheme.invalid.status


@pytest.mark.parametrize("name", LOGIN)
def test_the_login_snippet_logs_in_within_its_session_only(
    served: tuple[Sandbox, str], control: httpx.Client, name: str
) -> None:
    sandbox, url, scheme, credential = _login_api(served, name)
    method, path = _example(sandbox, name)
    other = {"X-Sandbox-Session": f"other-{secrets.token_hex(4)}"}
    auth = scheme.auth(credential, base_url=f"{url}{sandbox.apis[name].prefix}")
    with (
        httpx.Client(base_url=url, headers={**other, **REGISTRY[name].client_headers}) as client,
        httpx.Client(base_url=control.base_url, headers=other) as other_control,
    ):
        # The other session's user logs in as a client does, and keeps its token.
        assert client.request(method, path, auth=auth).status_code < 300
        token = getattr(auth, "token")  # noqa: B009 - LoginAuth's, as a client keeps it
        with_token = {**scheme.headers(credential), scheme.token.name: scheme.token.carry(token)}

        ran = _run(_fetch(control, name)["command"])
        kept = client.request(method, path, headers=with_token).status_code
        # The snippet run in the other session logs the user in there: the token kept is revoked.
        _run(_fetch(other_control, name)["command"])
        revoked = client.request(method, path, headers=with_token).status_code
        other_control.delete(f"/sessions/{other['X-Sandbox-Session']}")

    assert ran.returncode == 0, ran.stderr
    logged_in = control.get("/journal", params={"api": name}).json()["entries"]
    assert [e["path"] for e in logged_in] == [f"{sandbox.apis[name].prefix}{scheme.login_path}", path]
    assert all(200 <= e["status"] < 300 for e in logged_in), logged_in
    assert 200 <= kept < 300
    assert revoked == (scheme.token_invalid.status if scheme.revoke_previous else kept)


def test_a_journal_entry_of_a_post_is_reproduced_by_its_command(
    control: httpx.Client, served: tuple[Sandbox, str]
) -> None:
    # SkyPrep's keys travel in the JSON body: the journal keeps them redacted, the command sends them.
    url = served[1]
    email = f"{secrets.token_hex(4)}@example.com"
    scheme = REGISTRY["skyprep"].credentials
    body = {**scheme.defaults[0], "email": email, "first_name": "Zoë 'the' \"Quoted\"", "last_name": "L\nM"}
    made = httpx.post(f"{url}/skyprep/admin/api/create_user", json=body, headers=dict(control.headers))
    assert made.status_code == 200, made.text
    entry = _last(control, "skyprep")
    assert "[redacted]" in entry["request_body"]
    command = _fetch(
        control,
        "skyprep",
        method=entry["method"],
        path=entry["path"],
        query=entry["query"],
        body=entry["request_body"],
    )["command"]
    assert control.post("/reset", json={}).status_code == 200

    def users() -> list[dict[str, Any]]:
        return list(control.get("/state/skyprep").json()["collections"]["users"].values())

    before = [u for u in users() if u["email"] == email]
    ran = _run(command)

    assert ran.returncode == 0, ran.stderr
    assert _last(control, "skyprep")["status"] == 200
    assert before == []
    [user] = [u for u in users() if u["email"] == email]
    assert (user["first_name"], user["last_name"]) == (body["first_name"], body["last_name"])


@pytest.mark.parametrize("name", LOGIN)
def test_a_journaled_login_is_reproduced_with_the_credentials_own_password(
    served: tuple[Sandbox, str], control: httpx.Client, name: str
) -> None:
    # The journal keeps a login's password and key redacted; its command logs in with the real ones.
    sandbox, url, scheme, credential = _login_api(served, name)
    login = f"{sandbox.apis[name].prefix}{scheme.login_path}"
    headers = {**dict(control.headers), **REGISTRY[name].client_headers, **scheme.headers(credential)}
    assert httpx.post(f"{url}{login}", json=scheme.login_json(credential), headers=headers).status_code == 200
    entry = _last(control, name)
    assert "[redacted]" in entry["request_body"]
    command = _fetch(control, name, method="POST", path=entry["path"], body=entry["request_body"])["command"]

    ran = _run(command)

    assert ran.returncode == 0, ran.stderr
    assert "[redacted]" not in command
    assert _last(control, name)["path"] == login
    assert _last(control, name)["status"] == 200
