"""The state file: restored on start, written atomically, refused (and left alone) when not ours."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import create_app
from mockserver.cli import main
from mockserver.errors import StateFileError
from mockserver.statefile import STATE_FILE_FORMAT, STATE_FILE_KIND, write_atomic
from mockserver.testing import sync_client

API = "apprentiscope"
BASE = "/__sandbox__"
AUTH = {"Authorization": "sandbox-apprentiscope-token"}


def _drop_a_user(app: Any) -> str:
    with app.store.locked():
        users = app.store.vendor(API).collection("users")
        rid = next(iter(users))
        del users[rid]
    return str(rid)


def test_a_restart_restores_every_api_and_the_snapshots(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = create_app(apis=(API, "absorb"), state_file=path)
    assert not path.exists()
    gone = _drop_a_user(first)
    with sync_client(first) as client:
        assert client.post(f"{BASE}/snapshots", json={"name": "kept", "apis": [API]}).status_code == 201
    # The snapshot request wrote the file; the shutdown write (here by hand) writes it again.
    assert path.exists()
    saved = first.store.dump()
    first.save_state()

    second = create_app(apis=(API, "absorb"), state_file=path)
    assert second.store.dump() == saved
    with sync_client(second) as client:
        assert client.get(f"/apprentiscope/read-user/{gone}", headers=AUTH).status_code == 404
        assert [s["name"] for s in client.get(f"{BASE}/snapshots").json()["snapshots"]] == ["kept"]


def test_a_write_that_fails_before_the_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    app = create_app(apis=(API,), state_file=path)
    app.save_state()
    before = path.read_bytes()
    _drop_a_user(app)

    def crash(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StateFileError, match=re.escape(str(path))):
        app.save_state()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    assert (
        create_app(apis=(API,), state_file=path).store.dump()["apis"][API] == json.loads(before)["apis"][API]
    )


# The child changes its state and, writing it, kills itself (SIGKILL: no cleanup, no finally) at
# ``where``: after the temporary file is written but before it is on disk (fsync), or just before
# the rename.
_KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from mockserver import create_app
    path, where = Path(sys.argv[1]), sys.argv[2]
    app = create_app(apis=("apprentiscope",), state_file=path)
    with app.store.locked():
        users = app.store.vendor("apprentiscope").collection("users")
        del users[next(iter(users))]
    def die(*args):
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(os, where, die)
    app.save_state()
    """
)


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_process_killed_in_the_middle_of_a_write_leaves_a_file_that_loads(
    tmp_path: Path, where: str
) -> None:
    path = tmp_path / "state.json"
    create_app(apis=(API,), state_file=path).save_state()
    before = path.read_bytes()
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(path), where], capture_output=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    # The half-written temporary file may be left behind; the state file is the old one, whole.
    assert path.read_bytes() == before
    assert any(p.name.startswith(".state.json.") for p in tmp_path.iterdir())
    restored = create_app(apis=(API,), state_file=path).store.dump()
    assert restored["apis"] == json.loads(before)["apis"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_writes_the_file_on_shutdown(tmp_path: Path, stop: signal.Signals) -> None:
    path = tmp_path / "state.json"
    command = [sys.executable, "-m", "mockserver.cli", "serve", "--port", "0", "--api", API]
    with subprocess.Popen(
        [*command, "--state-file", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as server:
        try:
            assert server.stdout is not None
            port = next(
                (
                    int(m.group(1))
                    for line in server.stdout
                    if (m := re.search(r"serving on \S+:(\d+)", line))
                ),
                None,
            )
            assert port is not None, "serve printed no banner"
            url = f"http://127.0.0.1:{port}"
            users = httpx.get(f"{url}/apprentiscope/read-users/all", headers=AUTH).json()
            gone = users[0]["id"]
            assert httpx.delete(f"{url}/apprentiscope/delete-user/{gone}", headers=AUTH).status_code < 300
            assert not path.exists()
            server.send_signal(stop)
            assert server.wait(timeout=60) in (0, 130, -stop)
        finally:
            if server.poll() is None:
                server.kill()
    restarted = create_app(apis=(API,), state_file=path)
    assert gone not in restarted.store.export(API)["collections"]["users"]
    assert len(restarted.store.export(API)["collections"]["users"]) == len(users) - 1


def _valid_document() -> dict[str, Any]:
    app = create_app(apis=(API,))
    return {"kind": STATE_FILE_KIND, **app.store.dump(), "format": STATE_FILE_FORMAT}


def _bad_user(document: dict[str, Any]) -> str:
    document["apis"][API]["collections"]["users"]["u5"] = {"id": 5}
    return json.dumps(document)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (lambda d: '{"kind": "lms-sandbox-state", "apis": {', "is not valid JSON"),
        (lambda d: json.dumps({"some": "other program"}), "is not an lms-sandbox state file"),
        (lambda d: json.dumps({**d, "format": 99}), "has format 99"),
        (lambda d: json.dumps({**d, "apis": {**d["apis"], "absorbb": {}}}), "not served: absorbb"),
        (_bad_user, "record users/u5 cannot be served: field "),
        (
            lambda d: json.dumps({**d, "snapshots": {"s": {"seed": 0, "apis": {API: {"collections": 1}}}}}),
            "snapshot 's'",
        ),
    ],
)
def test_a_foreign_or_corrupt_file_stops_the_start_and_is_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, problem: str
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content(_valid_document()), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(StateFileError, match=re.escape(problem)) as caught:
        create_app(apis=(API,), state_file=path)
    assert str(path) in str(caught.value)
    # Through the command: a non-zero exit and the message, before anything is bound.
    assert main(["serve", "--port", "0", "--api", API, "--state-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert problem in err
    assert path.read_bytes() == before


def test_a_state_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="does not exist"):
        create_app(apis=(API,), state_file=tmp_path / "nowhere" / "state.json")


def test_write_atomic_replaces_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    write_atomic(path, "a" * 1000)
    write_atomic(path, "b")
    assert path.read_text() == "b"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_saving_and_deleting_a_snapshot_write_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    app = create_app(apis=(API,), state_file=path)
    with sync_client(app) as client:
        client.post(f"{BASE}/snapshots", json={"name": "one"})
        assert list(json.loads(path.read_text())["snapshots"]) == ["one"]
        assert client.delete(f"{BASE}/snapshots/one").status_code == 204
    assert json.loads(path.read_text())["snapshots"] == {}


def test_a_snapshot_whose_file_cannot_be_written_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    app = create_app(apis=(API,), state_file=path)

    def full(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with sync_client(app) as client:
        response = client.post(f"{BASE}/snapshots", json={"name": "one"})
    assert response.status_code == 507
    assert response.headers["content-type"].startswith("application/problem+json")
    assert str(path) in response.json()["detail"]
    assert "No space left on device" in response.json()["detail"]
    assert not path.exists()
