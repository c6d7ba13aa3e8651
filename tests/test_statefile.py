"""The state file: an SQLite database restored on start, a JSON one migrated, a foreign one refused."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import create_app
from mockserver.cli import main
from mockserver.errors import StateFileError
from mockserver.statedb import STATE_DB_FORMAT, read_file
from mockserver.statefile import STATE_FILE_FORMAT, STATE_FILE_KIND, backup_path
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
    path = tmp_path / "state.db"
    first = create_app(apis=(API, "absorb"), state_file=path)
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    gone = _drop_a_user(first)
    with sync_client(first) as client:
        assert client.post(f"{BASE}/snapshots", json={"name": "kept", "apis": [API]}).status_code == 201
    saved = first.store.dump()

    # No shutdown: the first app still has the file open, and wrote before answering.
    second = create_app(apis=(API, "absorb"), state_file=path)
    assert second.store.dump() == saved
    with sync_client(second) as client:
        assert client.get(f"/apprentiscope/read-user/{gone}", headers=AUTH).status_code == 404
        assert [s["name"] for s in client.get(f"{BASE}/snapshots").json()["snapshots"]] == ["kept"]


def _json_document() -> dict[str, Any]:
    app = create_app(apis=(API,))
    _drop_a_user(app)
    return {"kind": STATE_FILE_KIND, **app.store.dump(), "format": STATE_FILE_FORMAT}


@pytest.mark.parametrize("name", ["state.json", "state.db"])
def test_a_json_state_file_is_migrated_in_place_and_kept_as_a_backup(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    path = tmp_path / name
    document = _json_document()
    path.write_text(json.dumps(document), encoding="utf-8")
    before = path.read_bytes()

    with caplog.at_level(logging.WARNING, logger="mockserver"):
        app = create_app(apis=(API,), state_file=path)
    backup = backup_path(path)
    assert backup.name == ("state.json.bak" if name == "state.json" else "state.db.json.bak")
    assert backup.read_bytes() == before
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    assert str(backup) in caplog.text
    assert "migrated" in caplog.text
    assert app.store.export(API)["collections"] == document["apis"][API]["collections"]
    assert read_file(path)["apis"][API] == {"collections": document["apis"][API]["collections"]}
    # The next start reads the database; the backup stays as it is.
    assert create_app(apis=(API,), state_file=path).store.dump() == app.store.dump()
    assert backup.read_bytes() == before


def test_a_migration_never_overwrites_another_file_at_the_backup_name(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(_json_document()), encoding="utf-8")
    backup_path(path).write_text("mine", encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(StateFileError, match="exists; move one of them away"):
        create_app(apis=(API,), state_file=path)
    assert path.read_bytes() == before
    assert backup_path(path).read_text(encoding="utf-8") == "mine"


def _foreign_database(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.execute("INSERT INTO notes VALUES ('keep me')")
    db.commit()
    db.close()


def _edited_database(statement: str) -> Any:
    def make(path: Path) -> None:
        create_app(apis=(API,), state_file=path).close()
        db = sqlite3.connect(path)
        db.execute(statement)
        db.commit()
        db.close()

    return make


def _database_with_an_unserved_api(path: Path) -> None:
    create_app(apis=(API, "absorb"), state_file=path).close()


def _text(content: Any) -> Any:
    return lambda path: path.write_text(content(_json_document()), encoding="utf-8")


def _bad_user(document: dict[str, Any]) -> str:
    document["apis"][API]["collections"]["users"]["u5"] = {"id": 5}
    return json.dumps(document)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_text(lambda d: '{"kind": "lms-sandbox-state", "apis": {'), "is not valid JSON"),
        (_text(lambda d: json.dumps({"some": "other program"})), "is not an lms-sandbox state file"),
        (_text(lambda d: json.dumps({**d, "format": 99})), "has format 99"),
        (_text(lambda d: json.dumps({**d, "apis": {**d["apis"], "absorbb": {}}})), "not served: absorbb"),
        (_text(_bad_user), "record users/u5 cannot be served: field "),
        (
            _text(
                lambda d: json.dumps(
                    {**d, "snapshots": {"s": {"seed": 0, "apis": {API: {"collections": 1}}}}}
                )
            ),
            "snapshot 's'",
        ),
        (_foreign_database, "is not an lms-sandbox state file"),
        (
            _edited_database("UPDATE meta SET value = 99 WHERE key = 'format'"),
            f"has format 99; this lms-sandbox reads format {STATE_DB_FORMAT}",
        ),
        (_database_with_an_unserved_api, "not served: absorb"),
        (
            _edited_database("""UPDATE records SET body = '{"id": 5}' WHERE collection = 'users'"""),
            "cannot be served: field ",
        ),
    ],
)
def test_a_foreign_or_corrupt_file_stops_the_start_and_is_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, problem: str
) -> None:
    path = tmp_path / "state.json"
    make(path)
    before = path.read_bytes()
    with pytest.raises(StateFileError, match=re.escape(problem)) as caught:
        create_app(apis=(API,), state_file=path)
    assert str(path) in str(caught.value)
    # Through the command: a non-zero exit and the message, before anything is bound.
    assert main(["serve", "--port", "0", "--api", API, "--state-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert problem in err
    # Not a byte changed, and nothing kept aside (SQLite's own -wal and -shm files aside).
    assert path.read_bytes() == before
    assert {p.name for p in tmp_path.iterdir()} <= {path.name, f"{path.name}-wal", f"{path.name}-shm"}


def test_a_state_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="does not exist"):
        create_app(apis=(API,), state_file=tmp_path / "nowhere" / "state.db")


def test_saving_and_deleting_a_snapshot_are_in_the_file_before_the_answer(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    app = create_app(apis=(API,), state_file=path)
    with sync_client(app) as client:
        assert client.post(f"{BASE}/snapshots", json={"name": "one"}).status_code == 201
        assert list(read_file(path)["snapshots"]) == ["one"]
        assert client.delete(f"{BASE}/snapshots/one").status_code == 204
    assert read_file(path)["snapshots"] == {}


@contextlib.contextmanager
def _served(path: Path, server: str | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``serve`` on 127.0.0.1, port 0, with the state file ``path`` (on ``server``, default serve's);
    its process and base URL."""
    command = [sys.executable, "-m", "mockserver.cli", "serve", "--port", "0", "--api", API]
    command += ["--server", server] if server else []
    with subprocess.Popen(
        [*command, "--log-level", "warning", "--state-file", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
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
            yield server, f"http://127.0.0.1:{port}"
        finally:
            if server.poll() is None:
                server.kill()
            server.wait(timeout=60)


def _creator(url: str, number: int, acknowledged: list[str], enough: threading.Event) -> None:
    """Creates users until the server is gone, noting the id of each one answered 201."""
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        for n in itertools.count():
            user = {
                "first_name": "Kill",
                "last_name": f"T{number}n{n}",
                "email": f"k{number}n{n}@kill.example",
            }
            try:
                answer = client.post(
                    "/apprentiscope/create-user", json={"user": {**user, "user_type": "apprentice"}}
                )
            except httpx.HTTPError:
                return
            if answer.status_code == 201:
                acknowledged.append(answer.json()["id"])
                if len(acknowledged) >= KILL_AFTER:
                    enough.set()


KILL_AFTER = 150


def test_every_create_answered_2xx_survives_a_sigkill_in_the_middle_of_a_burst(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    acknowledged: list[str] = []
    enough = threading.Event()
    with _served(path) as (server, url):
        writers = [
            threading.Thread(target=_creator, args=(url, n, acknowledged, enough), daemon=True)
            for n in range(4)
        ]
        for writer in writers:
            writer.start()
        assert enough.wait(timeout=120), f"only {len(acknowledged)} creates answered 201"
        server.send_signal(signal.SIGKILL)
        assert server.wait(timeout=60) == -signal.SIGKILL
        for writer in writers:
            writer.join(timeout=60)
    assert len(acknowledged) >= KILL_AFTER
    with _served(path) as (server, url):
        users = httpx.get(f"{url}{BASE}/state/{API}", timeout=30).json()["collections"]["users"]
        server.send_signal(signal.SIGTERM)
    missing = [rid for rid in acknowledged if rid not in users]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged creates were lost"


@pytest.mark.parametrize(
    ("server", "signum"),
    [("granian", signal.SIGTERM), ("granian", signal.SIGINT), ("uvicorn", signal.SIGTERM)],
)
def test_sigterm_and_ctrl_c_stop_serve_cleanly_with_a_client_connected(
    tmp_path: Path, server: str, signum: signal.Signals
) -> None:
    path = tmp_path / "state.db"
    with _served(path, server) as (process, url), httpx.Client(base_url=url) as client:
        gone = client.get(f"/{API}/read-users/all", headers=AUTH).json()[0]["id"]
        assert client.delete(f"/{API}/delete-user/{gone}", headers=AUTH).status_code < 300
        process.send_signal(signum)  # the client's connection still open (keep-alive)
        assert process.wait(timeout=30) in ((0,) if server == "granian" else (0, -signum))
        assert process.stdout is not None
        assert "Traceback" not in process.stdout.read()
    with _served(path, server) as (process, url):
        assert httpx.get(f"{url}/{API}/read-user/{gone}", headers=AUTH, timeout=30).status_code == 404
        process.send_signal(signal.SIGTERM)
