"""Named snapshots in the control plane: save, list, restore, delete; one API or all of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, Store
from mockserver.errors import SnapshotError, UnknownSnapshot
from mockserver.vendors import vendor_names

from .conftest import AUTH

BASE = "/__sandbox__"


@pytest.fixture(autouse=True)
def no_snapshots_left(sandbox: Sandbox) -> Iterator[None]:
    """Snapshots outlive a reset, so each test here starts and ends without any."""
    for saved in sandbox.store.snapshots():
        sandbox.store.delete_snapshot(saved["name"])
    yield
    for saved in sandbox.store.snapshots():
        sandbox.store.delete_snapshot(saved["name"])


def _states(client: httpx.Client, apis: list[str]) -> dict[str, Any]:
    return {api: client.get(f"{BASE}/state/{api}").json()["collections"] for api in apis}


def _write(sandbox: Sandbox, api: str) -> None:
    """Change ``api``'s data: delete the first record of its first non-empty collection."""
    with sandbox.store.locked():
        data = sandbox.store.vendor(api)
        name, records = next((n, r) for n, r in data.collections.items() if r)
        data.delete(name, next(iter(records)))


def test_a_snapshot_of_every_api_brings_back_exactly_the_saved_state(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    apis = vendor_names()
    for api in apis:
        _write(sandbox, api)
    saved = _states(client, apis)
    created = client.post(f"{BASE}/snapshots", json={"name": "all-of-it"})
    assert created.status_code == 201
    assert created.json() == {"name": "all-of-it", "seed": 0, "apis": apis}
    for api in apis:
        _write(sandbox, api)
    assert _states(client, apis) != saved
    restored = client.post(f"{BASE}/snapshots/all-of-it/restore")
    assert restored.status_code == 200
    assert _states(client, apis) == saved


@pytest.mark.parametrize("api", vendor_names())
def test_a_snapshot_of_one_api_restores_it_and_leaves_the_others(
    client: httpx.Client, sandbox: Sandbox, api: str
) -> None:
    other = next(name for name in vendor_names() if name != api)
    before = _states(client, [api])
    assert client.post(f"{BASE}/snapshots", json={"name": "one", "apis": [api]}).status_code == 201
    _write(sandbox, api)
    _write(sandbox, other)
    others_after = _states(client, [other])
    assert client.post(f"{BASE}/snapshots/one/restore").json()["apis"] == [api]
    assert _states(client, [api]) == before
    assert _states(client, [other]) == others_after


def test_restored_data_is_served_by_the_api(client: httpx.Client) -> None:
    users = client.get("/apprentiscope/read-users/all", headers=AUTH).json()
    client.post(f"{BASE}/snapshots", json={"name": "users", "apis": ["apprentiscope"]})
    gone = users[0]["id"]
    assert client.delete(f"/apprentiscope/delete-user/{gone}", headers=AUTH).status_code in (200, 204)
    assert client.get(f"/apprentiscope/read-user/{gone}", headers=AUTH).status_code == 404
    client.post(f"{BASE}/snapshots/users/restore")
    assert client.get(f"/apprentiscope/read-user/{gone}", headers=AUTH).json()["id"] == gone


def test_snapshots_are_listed_kept_by_a_reset_and_deleted(client: httpx.Client) -> None:
    client.post(f"{BASE}/snapshots", json={"name": "a", "apis": ["absorb"]})
    client.post(f"{BASE}/snapshots", json={"name": "b"})
    client.post(f"{BASE}/reset", json={"seed": 3})
    listed = client.get(f"{BASE}/snapshots").json()["snapshots"]
    assert [(s["name"], s["seed"], s["apis"]) for s in listed] == [
        ("a", 0, ["absorb"]),
        ("b", 0, vendor_names()),
    ]
    assert client.delete(f"{BASE}/snapshots/a").status_code == 204
    assert [s["name"] for s in client.get(f"{BASE}/snapshots").json()["snapshots"]] == ["b"]
    assert client.post(f"{BASE}/snapshots/a/restore").status_code == 404
    missing = client.delete(f"{BASE}/snapshots/a")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "saved: b" in missing.json()["detail"]


def test_saving_under_a_taken_name_replaces_the_snapshot(client: httpx.Client, sandbox: Sandbox) -> None:
    client.post(f"{BASE}/snapshots", json={"name": "x", "apis": ["coursepath"]})
    _write(sandbox, "coursepath")
    changed = _states(client, ["coursepath"])
    client.post(f"{BASE}/snapshots", json={"name": "x", "apis": ["coursepath"]})
    client.post(f"{BASE}/reset")
    client.post(f"{BASE}/snapshots/x/restore")
    assert _states(client, ["coursepath"]) == changed
    assert len(client.get(f"{BASE}/snapshots").json()["snapshots"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"name": "has space"}, 400, "name"),
        ({"name": ""}, 400, "name"),
        ({"name": "ok", "apis": ["absorbb"]}, 404, "unknown API 'absorbb'"),
        ({"apis": ["absorb"]}, 400, "name"),
    ],
)
def test_a_bad_snapshot_request_is_refused_and_saves_nothing(
    client: httpx.Client, body: dict[str, Any], status: int, words: str
) -> None:
    response = client.post(f"{BASE}/snapshots", json=body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.text
    assert client.get(f"{BASE}/snapshots").json() == {"snapshots": []}


def _store() -> Store:
    def seed(data: Any) -> None:
        data.collection("things")["t1"] = {"id": "t1", "n": 1}

    return Store({"toy": seed}, seed=0)


def test_a_restored_snapshot_is_rewound_by_the_next_reset() -> None:
    store = _store()
    seeded = store.export("toy")
    store.vendor("toy").collection("things")["t2"] = {"id": "t2", "n": 2}
    store.save_snapshot("two")
    store.reset()
    assert store.export("toy") == seeded
    store.restore_snapshot("two")
    assert set(store.export("toy")["collections"]["things"]) == {"t1", "t2"}
    # The restore marked the API touched: the reset puts the seeded data back.
    store.reset()
    assert store.export("toy") == seeded


def test_a_snapshot_is_a_copy_that_later_writes_do_not_change() -> None:
    store = _store()
    store.save_snapshot("s")
    store.vendor("toy").collection("things")["t1"]["n"] = 99
    store.restore_snapshot("s")
    assert store.export("toy")["collections"]["things"]["t1"]["n"] == 1


def test_a_snapshot_failing_the_check_restores_nothing() -> None:
    refused: list[str] = []

    def check(api: str, state: Any) -> None:
        if "bad" in state["collections"]["things"]:
            refused.append(api)
            raise SnapshotError("record things/bad cannot be served")

    def seed(data: Any) -> None:
        data.collection("things")["t1"] = {"id": "t1"}

    store = Store({"toy": seed}, check=check)
    store.vendor("toy").collection("things")["bad"] = {"id": "bad"}
    store.save_snapshot("bad")
    store.reset()
    with pytest.raises(SnapshotError, match="things/bad"):
        store.restore_snapshot("bad")
    assert refused == ["toy"]
    assert set(store.export("toy")["collections"]["things"]) == {"t1"}
    with pytest.raises(UnknownSnapshot, match="no snapshot named 'nope'"):
        store.restore_snapshot("nope")
