from __future__ import annotations

import pytest

from mockserver import SnapshotError, Store, UnknownApi, VendorData


def _seeder(data: VendorData) -> None:
    things = data.collection("things")
    for _ in range(5):
        rid = data.new_id("things")
        things[rid] = {"id": rid, "name": data.faker.name(), "n": data.random.randint(0, 1000)}


def _store(seed: int = 0) -> Store:
    return Store({"demo": _seeder}, seed=seed)


def test_same_seed_gives_identical_data() -> None:
    assert _store(3).snapshot() == _store(3).snapshot()


def test_other_seed_gives_other_data() -> None:
    assert _store(3).export("demo")["collections"] != _store(4).export("demo")["collections"]


def test_vendor_data_does_not_depend_on_other_vendors() -> None:
    alone = Store({"demo": _seeder}, seed=1)
    together = Store({"other": _seeder, "demo": _seeder}, seed=1)
    assert alone.export("demo") == together.export("demo")


def test_reset_forgets_changes_and_restarts_ids() -> None:
    store = _store()
    before = store.snapshot()
    data = store.vendor("demo")
    first_new_id = data.new_id("things")
    data.collection("things").clear()
    store.reset()
    assert store.snapshot() == before
    assert store.vendor("demo").new_id("things") == first_new_id


def test_reset_with_seed_changes_the_current_seed() -> None:
    store = _store()
    store.reset(9)
    assert store.seed == 9
    assert store.snapshot() == _store(9).snapshot()


def test_snapshot_restore_round_trip() -> None:
    store = _store()
    snap = store.snapshot()
    store.vendor("demo").collection("things").clear()
    store.restore(snap)
    assert store.snapshot() == snap


def test_snapshot_is_a_copy_not_a_view() -> None:
    store = _store()
    snap = store.snapshot()
    store.vendor("demo").collection("things").clear()
    assert snap["apis"]["demo"]["collections"]["things"]


def test_import_rejects_malformed_state() -> None:
    store = _store()
    with pytest.raises(SnapshotError, match="collections"):
        store.import_("demo", {"nope": 1})
    with pytest.raises(SnapshotError, match="record"):
        store.import_("demo", {"collections": {"things": {"x": 3}}})


def test_import_rejects_state_of_another_api() -> None:
    with pytest.raises(SnapshotError, match="belongs to API 'other'"):
        _store().import_("demo", {"api": "other", "collections": {}})


def test_unknown_vendor_names_the_known_ones() -> None:
    with pytest.raises(UnknownApi, match="known: demo"):
        _store().vendor("absorbb")


def test_reset_hooks_run_on_every_reset() -> None:
    store = _store()
    calls: list[int] = []
    store.on_reset(lambda: calls.append(store.seed))
    store.reset(2)
    store.reset()
    assert calls == [2, 2]
