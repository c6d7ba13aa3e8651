"""The pytest plugin against one served sandbox (``--sandbox-url``), as CI jobs sharing a container use it.

A sandbox is served on 127.0.0.1 and port 0 by the test (``LiveServer``); downstream projects run with
``pytester`` against it and write down the sessions their tests saw, which the test then checks on the
server: each run (and each xdist worker) in a session of its own, nothing in the default session or in
another run's, and every session gone after the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from mockserver import pytest_plugin
from mockserver.app import create_app
from mockserver.options import SandboxOptions
from mockserver.server import LiveServer

TOKEN = {"Authorization": "sandbox-apprentiscope-token"}
API = "apprentiscope"

# A downstream test module: writes the session it ran in (and its worker) next to itself.
RECORDING = """
import json
import os
from pathlib import Path

def record(kind, sandbox):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(__file__).parent.joinpath(f"seen-{kind}-{worker}.json").write_text(
        json.dumps({"session": sandbox.session, "worker": worker})
    )

def emails(client):
    return {u["email"] for u in client.get("/read-users/all").json()}

def create(client, email):
    made = client.post("/create-user", json={"user": {"first_name": "Ada", "last_name": "Run",
                                                      "email": email, "user_type": "apprentice"}})
    assert made.status_code == 201, made.text
"""


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The URL of one sandbox served for the module's runs."""
    app = create_app(SandboxOptions(apis=(API,)))
    server = LiveServer(app).start()
    yield server.url
    server.stop()
    app.close()


def _downstream(project: pytest.Pytester, tests: str) -> None:
    """A downstream test module: the recording helpers and ``tests``."""
    project.makepyfile(RECORDING + tests)


def _create(url: str, email: str, session: str | None = None) -> None:
    headers = {**TOKEN, **({"X-Sandbox-Session": session} if session else {})}
    user = {"first_name": "Bo", "last_name": "Other", "email": email, "user_type": "apprentice"}
    assert httpx.post(f"{url}/{API}/create-user", headers=headers, json={"user": user}).status_code == 201


def _emails(url: str, session: str | None = None) -> set[str]:
    headers = {**TOKEN, **({"X-Sandbox-Session": session} if session else {})}
    return {u["email"] for u in httpx.get(f"{url}/{API}/read-users/all", headers=headers).json()}


def _sessions(url: str) -> list[str]:
    return [s["name"] for s in httpx.get(f"{url}/__sandbox__/sessions").json()["sessions"]]


def _worker() -> str | None:
    return os.environ.get("PYTEST_XDIST_WORKER")


def _seen(project: pytest.Pytester) -> dict[str, dict[str, Any]]:
    found = {
        p.stem.removeprefix("seen-"): json.loads(p.read_text()) for p in project.path.glob("seen-*.json")
    }
    for written in project.path.glob("seen-*.json"):
        written.unlink()
    return found


def test_two_runs_work_in_sessions_of_their_own_and_leave_nothing_behind(
    project: pytest.Pytester, served: str
) -> None:
    url = served
    # Another CI job, mid-run, in its own session; and a user in the default session.
    _create(url, "other-job@other.example", "other-job-main")
    _create(url, "default@other.example")
    _downstream(
        project,
        """
def test_creates_and_lists_its_own_users_only(apprentiscope_sandbox, sandbox, sandbox_server):
    client = apprentiscope_sandbox.client
    create(client, f"{sandbox.session}@run.example")
    seen = emails(client)
    assert f"{sandbox.session}@run.example" in seen
    assert not {"other-job@other.example", "default@other.example"} & seen
    apprentiscope_sandbox.assert_called_once("createUser")
    assert sandbox_server.url == sandbox.url
    with sandbox_server.client("apprentiscope") as live:
        assert f"{sandbox.session}@run.example" in emails(live)
    record("create", sandbox)

def test_the_next_test_starts_from_the_seeded_data(apprentiscope_sandbox, sandbox):
    assert f"{sandbox.session}@run.example" not in emails(apprentiscope_sandbox.client)
    assert apprentiscope_sandbox.calls("createUser") == []
""",
    )
    runs = []
    for _ in range(2):
        project.runpytest("--sandbox-url", url).assert_outcomes(passed=2)
        runs.append(_seen(project)["create-" + (_worker() or "main")]["session"])
    first, second = runs
    assert first != second
    assert all(run.endswith("-" + (_worker() or "main")) for run in runs)
    # Neither run wrote in the default session or the other job's, and a reset of theirs left those alone.
    assert "default@other.example" in _emails(url)
    assert not {f"{first}@run.example", f"{second}@run.example"} & _emails(url)
    assert _emails(url, "other-job-main") & {"other-job@other.example"}
    assert not {f"{first}@run.example", f"{second}@run.example"} & _emails(url, "other-job-main")
    assert first not in _sessions(url)
    assert second not in _sessions(url)
    assert "other-job-main" in _sessions(url)


def test_an_isolated_test_gets_a_session_of_its_own_deleted_after_it(
    project: pytest.Pytester, served: str
) -> None:
    url = served
    _downstream(
        project,
        """
import httpx
import pytest

def test_plain(apprentiscope_sandbox, sandbox):
    create(apprentiscope_sandbox.client, "plain@run.example")
    record("plain", sandbox)

@pytest.mark.sandbox(isolated=True)
def test_isolated(apprentiscope_sandbox, sandbox):
    create(apprentiscope_sandbox.client, "isolated@run.example")
    assert "isolated@run.example" in emails(apprentiscope_sandbox.client)
    names = [s["name"] for s in httpx.get(f"{sandbox.url}/__sandbox__/sessions").json()["sessions"]]
    assert sandbox.session in names
    record("isolated", sandbox)
""",
    )
    project.runpytest("--sandbox-url", url).assert_outcomes(passed=2)
    seen = _seen(project)
    worker = _worker() or "main"
    plain, isolated = seen[f"plain-{worker}"]["session"], seen[f"isolated-{worker}"]["session"]
    assert plain != isolated
    assert isolated.startswith(plain + "-")
    assert plain not in _sessions(url)
    assert isolated not in _sessions(url)
    assert not {"plain@run.example", "isolated@run.example"} & _emails(url)


def test_clock_faults_journal_and_state_go_over_http_and_the_store_says_it_is_in_process_only(
    project: pytest.Pytester, served: str
) -> None:
    url = served
    _downstream(
        project,
        """
import pytest

def test_control_plane(apprentiscope_sandbox, sandbox):
    before = sandbox.clock.now()
    assert sandbox.clock.advance(days=3) - before >= 3 * 86400 - 60
    apprentiscope_sandbox.fault("readUsers", status=503, times=1)
    client = apprentiscope_sandbox.client
    assert client.get("/read-users/all").status_code == 503
    create(client, "state@run.example")
    apprentiscope_sandbox.assert_called("readUsers", status=503, times=1)
    assert [u["email"] for u in apprentiscope_sandbox.state.find("users", email="state@run.example")]
    with pytest.raises(NotImplementedError, match="in-process sandbox"):
        apprentiscope_sandbox.factory.apprentice()
    record("control", sandbox)

@pytest.mark.sandbox(apis=["apprentiscope"])
def test_another_set_of_apis(sandbox):
    pass

@pytest.mark.sandbox(faults=["apprentiscope:readUsers=status:503,times:1"])
def test_the_markers_faults(apprentiscope_sandbox):
    assert apprentiscope_sandbox.client.get("/read-users/all").status_code == 503
    assert apprentiscope_sandbox.client.get("/read-users/all").status_code == 200
""",
    )
    result = project.runpytest("--sandbox-url", url)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*InProcessOnly: @pytest.mark.sandbox(fixture=..., apis=...) needs the in-process*"]
    )
    # The default session kept its own clock and faults.
    assert httpx.get(f"{url}/__sandbox__/faults").json() == []
    assert abs(httpx.get(f"{url}/__sandbox__/clock").json()["offset_seconds"]) < 3600
    assert "state@run.example" not in _emails(url)


def test_an_unreachable_url_or_a_wrong_token_is_one_usage_error(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile("def test_a(sandbox):\n    pass\n\ndef test_b(sandbox):\n    pass\n")
    closed = project.runpytest("--sandbox-url", "http://127.0.0.1:1")
    assert closed.ret == pytest.ExitCode.USAGE_ERROR
    closed.stderr.fnmatch_lines(["ERROR: lms-sandbox: cannot reach the sandbox at http://127.0.0.1:1 *"])
    app = create_app(SandboxOptions(apis=(API,), control_token="s3cret"))
    server = LiveServer(app).start()
    try:
        monkeypatch.setenv("LMS_SANDBOX_URL", server.url)
        refused = project.runpytest("--sandbox-control-token", "wrong")
        assert refused.ret == pytest.ExitCode.USAGE_ERROR
        refused.stderr.fnmatch_lines(["ERROR: lms-sandbox: the sandbox at * refused a wrong control token*"])
        monkeypatch.setenv("LMS_SANDBOX_CONTROL_TOKEN", "s3cret")
        project.runpytest().assert_outcomes(passed=2)
        seeded = project.runpytest("--sandbox-fixture", "scenario.yaml")
        assert seeded.ret == pytest.ExitCode.USAGE_ERROR
        seeded.stderr.fnmatch_lines(["ERROR: lms-sandbox: --sandbox-fixture seeds an in-process sandbox*"])
    finally:
        server.stop()
        app.close()


def test_workers_of_one_run_share_its_id_in_sessions_of_their_own(
    project: pytest.Pytester,
    served: str,
    monkeypatch: pytest.MonkeyPatch,
    pytestconfig: pytest.Config,
) -> None:
    url = served
    # What xdist's controller hands each worker (a real ``-n 2`` run costs two interpreters' start).
    node = SimpleNamespace(config=pytestconfig, workerinput={})
    pytest_plugin.pytest_configure_node(node)
    handed = {**node.workerinput, "workerid": "gw0"}
    project.makeconftest(
        f"""
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.workerinput = {handed!r}  # as xdist sets it in a worker
"""
    )
    _downstream(
        project,
        """
def test_each_worker(apprentiscope_sandbox, sandbox):
    create(apprentiscope_sandbox.client, f"{sandbox.session}@run.example")
    assert {e for e in emails(apprentiscope_sandbox.client) if e.endswith("@run.example")} == {
        f"{sandbox.session}@run.example"
    }
    record("worker", sandbox)
""",
    )
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        project.runpytest("--sandbox-url", url).assert_outcomes(passed=1)
    seen = _seen(project)
    run = handed["lms_sandbox_run_id"]
    assert {seen[f"worker-gw{n}"]["session"] for n in (0, 1)} == {f"{run}-gw0", f"{run}-gw1"}
    assert not set(_sessions(url)) & {f"{run}-gw0", f"{run}-gw1"}


def test_coverage_of_a_run_on_a_served_sandbox_counts_every_test_of_its_sessions(
    project: pytest.Pytester, served: str
) -> None:
    # Each test starts with a reset of the run's session, which clears the server's counters: the plugin
    # keeps them first, and an isolated test's before its session is deleted.
    url = served
    _downstream(
        project,
        """
import pytest

def test_one(apprentiscope_sandbox):
    assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 200

def test_two(apprentiscope_sandbox):
    assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 200
    assert apprentiscope_sandbox.client.get("/read-user/no-such-user").status_code == 404

@pytest.mark.sandbox(isolated=True)
def test_isolated(apprentiscope_sandbox):
    assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 200
""",
    )
    _create(url, "coverage-run@other.example")  # the default session's calls are not this run's

    result = project.runpytest(
        "--sandbox-url", url, "--sandbox-coverage=json", "--sandbox-coverage-output", "coverage.json"
    )

    result.assert_outcomes(passed=3)
    [api] = json.loads((project.path / "coverage.json").read_text())["apis"]
    operations = {o["id"]: o for o in api["operation_list"]}
    assert operations["readOccupations"]["calls"] == 3
    assert operations["readOccupations"]["statuses_seen"] == {"200": 3}
    assert operations["readUser"]["statuses_seen"] == {"404": 1}
    assert operations["createUser"]["calls"] == 0


def test_a_run_on_a_sandbox_with_a_control_token_opens_its_sessions_with_it(project: pytest.Pytester) -> None:
    # Exposed, opening a session takes the control token: the plugin opens each (the run's, an isolated
    # test's) with a control-plane call carrying it, and its clients then use the session without it.
    app = create_app(SandboxOptions(apis=(API,), control_token="s3cret"))
    server = LiveServer(app).start()
    try:
        _downstream(
            project,
            """
import pytest

def test_plain(apprentiscope_sandbox, sandbox):
    create(apprentiscope_sandbox.client, "plain@run.example")
    assert "plain@run.example" in emails(apprentiscope_sandbox.client)
    record("plain", sandbox)

@pytest.mark.sandbox(isolated=True)
def test_isolated(apprentiscope_sandbox, sandbox):
    create(apprentiscope_sandbox.client, "isolated@run.example")
    assert "plain@run.example" not in emails(apprentiscope_sandbox.client)
    record("isolated", sandbox)
""",
        )
        project.runpytest("--sandbox-url", server.url, "--sandbox-control-token", "s3cret").assert_outcomes(
            passed=2
        )
        seen = _seen(project)
        worker = _worker() or "main"
        assert seen[f"plain-{worker}"]["session"] != seen[f"isolated-{worker}"]["session"]
        assert len(app.sessions) == 0  # both deleted after the run
        refused = httpx.get(f"{server.url}/{API}/read-users/all", headers={**TOKEN, "X-Sandbox-Session": "x"})
        assert refused.status_code == 403  # what a client without the token gets
    finally:
        server.stop()
        app.close()
