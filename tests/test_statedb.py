"""Every change is in the state file before its answer leaves: read back from another connection, with
the app still running (no shutdown, no save), for every vendor's writes and the control plane's."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.workflows.stress import CONTRIBUTE, DELETE, UPDATE, Ledger, profile_for
from mockserver import Sandbox, create_app, statedb
from mockserver.cli import build_parser, options_from_args
from mockserver.statedb import read_file
from mockserver.testing import sync_client
from mockserver.vendor_data import TRANSIENT
from mockserver.vendors import get_vendor, load, vendor_names
from tests.stress.driver import HttpClient, Result
from tests.stress.verify import ledger_problems
from tests.test_restore_ids import MAKERS

BASE = "/__sandbox__"
API = "apprentiscope"


async def _writes(app: Sandbox, api: str, before: dict[str, Any]) -> Ledger:
    """Creates, then each other write the vendor's stress profile does, through the app; the ledger of
    the acknowledged ones."""
    profile_type = profile_for(api)
    assert profile_type is not None
    profile = profile_type()
    vendor = get_vendor(api)
    scheme = vendor.credentials
    url = f"http://sandbox{vendor.prefix}"
    result = Result(api, clients=1, creates=3)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url=url,
        headers=dict(vendor.client_headers),
        auth=scheme.auth(scheme.defaults[0], base_url=url),
    ) as http:
        client = HttpClient(0, http, result.ledger, result)
        await profile.prepare(client, before)
        made = [await profile.create(client, f"durable{n}") for n in range(3)]
        if CONTRIBUTE in profile.does:
            await profile.contribute(client, made[0], "durablec")
        if UPDATE in profile.does:
            await profile.update(client, made[1], "durableu")
        if DELETE in profile.does:
            await profile.delete(client, made[2])
    assert result.problems == []
    return result.ledger


def _extras(app: Sandbox, api: str) -> dict[str, Any]:
    extras = app.store.vendor(api).extras
    return {k: v for k, v in dict.items(extras) if not k.startswith(TRANSIENT)}


@pytest.mark.parametrize("api", vendor_names())
def test_every_acknowledged_write_is_in_the_file_before_any_shutdown(tmp_path: Path, api: str) -> None:
    path = tmp_path / "state.db"
    app = create_app(apis=(api,), state_file=path)
    before = app.store.export(api)
    ledger = asyncio.run(_writes(app, api, before))
    # Read by another connection while the app still holds the file open.
    assert ledger_problems(ledger, before, read_file(path)["apis"][api]) == []
    # A write through the vendor's factory (vendors/locking.py) as well.
    factory = load(get_vendor(api).factory)(app.store, app.store.vendor(api))
    MAKERS[api](factory)

    assert read_file(path)["apis"][api] == {"collections": app.store.export(api)["collections"]}
    # Loaded as a restart does, the first app still running.
    restarted = create_app(apis=(api,), state_file=path)
    assert restarted.store.dump() == app.store.dump()
    assert _extras(restarted, api) == _extras(app, api)


def test_control_plane_changes_are_in_the_file_before_their_answer(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    app = create_app(apis=(API,), state_file=path)

    def in_the_file() -> None:
        found = read_file(path)
        dump = app.store.dump()
        assert found["seed"] == dump["seed"]
        assert found["apis"] == dump["apis"]
        assert found["snapshots"] == dump["snapshots"]

    with sync_client(app) as client:
        exported = client.get(f"{BASE}/state/{API}").json()
        assert client.post(f"{BASE}/reset", json={"seed": 7}).status_code == 200
        in_the_file()
        assert read_file(path)["seed"] == 7
        assert client.put(f"{BASE}/state/{API}", json=exported).status_code == 200
        in_the_file()
        assert client.post(f"{BASE}/snapshots", json={"name": "imported"}).status_code == 201
        assert client.post(f"{BASE}/reset", json={}).status_code == 200
        in_the_file()
        assert client.post(f"{BASE}/snapshots/imported/restore").status_code == 200
        in_the_file()
        assert read_file(path)["apis"][API]["collections"] == exported["collections"]


def test_generators_and_extras_come_back_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    app = create_app(apis=("skyprep",), state_file=path)
    factory = load(get_vendor("skyprep").factory)(app.store, app.store.vendor("skyprep"))
    factory.user()
    app.save_state()
    restarted = create_app(apis=("skyprep",), state_file=path)
    data, again = app.store.vendor("skyprep"), restarted.store.vendor("skyprep")
    assert again.generators() == data.generators()
    assert _extras(restarted, "skyprep") == _extras(app, "skyprep")
    # The same next id and the same draws as the app that was not restarted (timestamps aside).
    made = MAKERS["skyprep"](load(get_vendor("skyprep").factory)(restarted.store, again))
    assert made["id"] == MAKERS["skyprep"](factory)["id"]
    assert again.generators() == data.generators()


def test_a_write_the_file_refuses_is_not_acknowledged_and_goes_with_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    app = create_app(apis=(API,), state_file=path)
    auth = {"Authorization": "sandbox-apprentiscope-token"}
    users = app.store.export(API)["collections"]["users"]
    gone, kept = list(users)[:2]
    real = statedb._Plan.run
    failures = iter([sqlite3.OperationalError("disk I/O error")])

    def failing(plan: Any, db: sqlite3.Connection) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        real(plan, db)

    monkeypatch.setattr(statedb._Plan, "run", failing)
    with sync_client(app) as client:
        refused = client.delete(f"/apprentiscope/delete-user/{gone}", headers=auth)
        assert refused.status_code == 507
        assert "disk I/O error" in refused.text
        assert gone in read_file(path)["apis"][API]["collections"]["users"]
        assert client.delete(f"/apprentiscope/delete-user/{kept}", headers=auth).status_code < 300
    held = read_file(path)["apis"][API]["collections"]["users"]
    assert gone not in held
    assert kept not in held
    app.errors.clear()


@pytest.mark.parametrize(("sync", "level"), [("normal", 1), ("always", 2)])
def test_state_sync_from_the_environment_sets_how_hard_each_write_goes_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync: str, level: int
) -> None:
    monkeypatch.setenv("LMS_SANDBOX_STATE_SYNC", sync.upper())
    options = options_from_args(build_parser().parse_args(["serve", "--state-file", str(tmp_path / "s.db")]))
    assert options.state_sync == sync
    app = create_app(options, apis=(API,))
    connection = app.state_file._db._db  # type: ignore[union-attr]
    # SQLite's synchronous levels: NORMAL is 1, FULL (an fsync per commit) is 2.
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == level
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_unknown_state_sync_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LMS_SANDBOX_STATE_SYNC", "sometimes")
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", "--no-config"])
    assert exit_info.value.code == 2
    assert "LMS_SANDBOX_STATE_SYNC: 'sometimes' is not one of normal, always" in capsys.readouterr().err
    monkeypatch.delenv("LMS_SANDBOX_STATE_SYNC")
    with pytest.raises(ValueError, match="state_sync must be one of normal, always"):
        create_app(apis=(API,), state_sync="sometimes")
