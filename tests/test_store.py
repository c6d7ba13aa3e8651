from __future__ import annotations

import json
import time

import pytest

from mockserver import SnapshotError, Store, UnknownApi, VendorData, create_app
from mockserver.errors import DuplicateKey
from mockserver.store import SEEDED_CACHE_SIZE
from mockserver.testing import sync_client
from mockserver.vendors import vendor_names
from mockserver.vendors.apprentiscope import model


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


# indexes


def _fold(value: str) -> str:
    return value.casefold()


def _people(data: VendorData) -> None:
    data.index("people", "email", unique=True, key=_fold)
    for name in ("Ada", "Bob"):
        data.insert("people", {"id": data.new_id("people"), "email": f"{name}@Example.com"})


def _people_store() -> Store:
    return Store({"demo": _people})


def _email_ids(data: VendorData, email: str) -> list[str]:
    return [p["id"] for p in data.find("people", "email", email)]


def test_find_uses_the_index_key_function() -> None:
    data = _people_store().vendor("demo")
    (ada,) = data.find("people", "email", "ADA@example.com")
    assert ada["email"] == "Ada@Example.com"


def test_updated_email_frees_the_old_one_and_takes_the_new_one() -> None:
    data = _people_store().vendor("demo")
    (ada,) = data.find("people", "email", "ada@example.com")
    data.update("people", ada["id"], {"email": "countess@example.com"})
    assert _email_ids(data, "ada@example.com") == []
    assert _email_ids(data, "Countess@example.com") == [ada["id"]]
    data.insert("people", {"id": "new", "email": "ada@example.com"})
    assert _email_ids(data, "ada@example.com") == ["new"]


def test_deleted_record_frees_its_unique_key() -> None:
    data = _people_store().vendor("demo")
    (bob,) = data.find("people", "email", "bob@example.com")
    data.delete("people", bob["id"])
    assert _email_ids(data, "bob@example.com") == []
    data.insert("people", {"id": "again", "email": "BOB@example.com"})
    assert _email_ids(data, "bob@example.com") == ["again"]


def test_unique_index_refuses_a_second_record_with_the_same_key() -> None:
    data = _people_store().vendor("demo")
    (bob,) = data.find("people", "email", "bob@example.com")
    with pytest.raises(DuplicateKey, match="already used by"):
        data.insert("people", {"id": "dup", "email": "ADA@example.com"})
    with pytest.raises(DuplicateKey, match="already used by"):
        data.update("people", bob["id"], {"email": "ada@EXAMPLE.com"})
    assert data.collection("people")[bob["id"]]["email"] == "Bob@Example.com"
    with pytest.raises(DuplicateKey, match="id"):
        data.insert("people", {"id": bob["id"], "email": "other@example.com"})


def test_imported_state_is_what_lookups_see() -> None:
    store = _people_store()
    store.import_("demo", {"collections": {"people": {"x": {"id": "x", "email": "X@example.com"}}}})
    data = store.vendor("demo")
    assert _email_ids(data, "x@example.com") == ["x"]
    assert _email_ids(data, "ada@example.com") == []


def test_imported_duplicates_are_kept_and_both_found() -> None:
    store = _people_store()
    twins = {"t1": {"id": "t1", "email": "twin@example.com"}, "t2": {"id": "t2", "email": "TWIN@example.com"}}
    store.import_("demo", {"collections": {"people": twins}})
    assert _email_ids(store.vendor("demo"), "twin@example.com") == ["t1", "t2"]


def test_restored_snapshot_is_what_lookups_see() -> None:
    store = _people_store()
    snap = store.snapshot()
    data = store.vendor("demo")
    data.collection("people").clear()
    assert _email_ids(data, "ada@example.com") == []
    store.restore(snap)
    assert len(_email_ids(data, "ada@example.com")) == 1


def test_writes_to_the_collection_dict_keep_the_index_current() -> None:
    data = _people_store().vendor("demo")
    data.collection("people")["raw"] = {"id": "raw", "email": "raw@example.com"}
    assert _email_ids(data, "RAW@example.com") == ["raw"]
    del data.collection("people")["raw"]
    assert _email_ids(data, "raw@example.com") == []


def test_a_plain_dict_put_in_collections_is_indexed() -> None:
    data = _people_store().vendor("demo")
    data.collections["people"] = {"p": {"id": "p", "email": "p@example.com"}}
    assert _email_ids(data, "P@example.com") == ["p"]


def test_an_index_is_declared_once() -> None:
    data = _people_store().vendor("demo")
    assert data.index("people", "email", unique=True, key=_fold) is data.index(
        "people", "email", unique=True, key=_fold
    )
    with pytest.raises(ValueError, match="already declared"):
        data.index("people", "email")


def test_find_without_an_index_says_to_declare_one() -> None:
    with pytest.raises(LookupError, match="declare it with index"):
        _people_store().vendor("demo").find("people", "name", "Ada")


# reset from the seeded checkpoint


def _counting_store(calls: list[int]) -> Store:
    def seeder(data: VendorData) -> None:
        calls.append(1)
        _people(data)
        data.extras["made"] = {"count": 2}

    return Store({"demo": seeder})


def test_reset_rewinds_without_seeding_again() -> None:
    calls: list[int] = []
    store = _counting_store(calls)
    store.reset()
    store.reset(0)
    assert len(calls) == 1
    store.reset(5)
    store.reset(0)
    store.reset(5)
    assert len(calls) == 2


def test_after_reset_data_and_next_ids_are_those_of_fresh_seeding() -> None:
    store = _store(4)
    data = store.vendor("demo")
    data.new_id("things")
    data.faker.name()
    data.collection("things").clear()
    store.reset()
    fresh = _store(4).vendor("demo")
    assert store.snapshot() == _store(4).snapshot()
    assert data.new_id("things") == fresh.new_id("things")
    assert data.faker.name() == fresh.faker.name()
    assert data.random.random() == fresh.random.random()


def test_records_changed_after_a_reset_do_not_change_the_next_reset() -> None:
    store = _people_store()
    before = store.export("demo")
    data = store.vendor("demo")
    for record in data.collection("people").values():
        record["email"] = "changed@example.com"
    store.reset()
    assert store.export("demo") == before
    for record in data.collection("people").values():
        record["email"] = "changed-again@example.com"
    store.reset()
    assert store.export("demo") == before


def test_reset_after_an_import_brings_back_the_seeded_records_and_their_index() -> None:
    store = _people_store()
    before = store.export("demo")
    store.import_("demo", {"collections": {"people": {"x": {"id": "x", "email": "x@example.com"}}}})
    store.reset()
    data = store.vendor("demo")
    assert store.export("demo") == before
    assert _email_ids(data, "x@example.com") == []
    assert len(_email_ids(data, "ada@example.com")) == 1


def test_reset_puts_back_the_extras_of_seeding() -> None:
    store = _counting_store([])
    data = store.vendor("demo")
    data.extras["made"]["count"] = 99
    data.extras["later"] = True
    store.reset()
    assert data.extras == {"made": {"count": 2}}


def test_only_the_latest_seeds_are_kept() -> None:
    calls: list[int] = []
    store = _counting_store(calls)
    for seed in range(1, SEEDED_CACHE_SIZE + 1):
        store.reset(seed)
    assert len(calls) == SEEDED_CACHE_SIZE + 1
    store.reset(0)  # the oldest, dropped to keep SEEDED_CACHE_SIZE seeds
    store.reset(SEEDED_CACHE_SIZE)  # still kept
    assert len(calls) == SEEDED_CACHE_SIZE + 2


def test_a_reset_app_exports_the_bytes_of_a_fresh_one_and_makes_the_same_next_ids() -> None:
    used = create_app(seed=3)
    for name in used.store.apis:
        data = used.store.vendor(name)
        data.collection("scribbles")[data.new_id()] = {"note": data.faker.sentence()}
    ada = {"first_name": "Ada", "last_name": "L", "email": "ada@example.com", "user_type": "apprentice"}
    model.create_user(used.store.vendor("apprentiscope"), ada)
    used.reset()
    fresh = create_app(seed=3)
    for name in fresh.store.apis:
        assert json.dumps(used.store.export(name)) == json.dumps(fresh.store.export(name))
    made = [model.create_user(app.store.vendor("apprentiscope"), ada)["id"] for app in (used, fresh)]
    assert made[0] == made[1]
    assert used.store.vendor("dfe").new_id() == fresh.store.vendor("dfe").new_id()


def _two() -> Store:
    return Store({"demo": _seeder, "other": _seeder}, seed=0)


def test_a_reset_rewinds_what_was_handed_out_since_the_last_one() -> None:
    store = _two()
    seeded = store.snapshot()
    things = store.vendor("demo").collection("things")
    things.clear()
    store.vendor("demo").random.random()
    store.reset()
    assert store.snapshot() == seeded
    assert store.vendor("demo").new_id("things") == _two().vendor("demo").new_id("things")


def test_a_reset_leaves_an_api_nobody_asked_for_as_it_is() -> None:
    store = _two()
    other = store.vendor("other")
    store.reset()
    # Nobody asked the store for "other" since the reset: the next one need not rewind it.
    before = store.export("other")
    store.reset()
    assert store.vendor("other") is other
    assert store.export("other") == before


def test_a_reset_to_another_seed_rewinds_every_api() -> None:
    store = _two()
    store.reset(5)
    assert store.snapshot() == Store({"demo": _seeder, "other": _seeder}, seed=5).snapshot()
    store.reset(0)
    assert store.snapshot() == _two().snapshot()


def test_a_request_marks_its_api_for_the_next_reset() -> None:
    app = create_app(apis=("apprentiscope", "coursepath"))
    fresh = app.store.export("apprentiscope")
    data = app.store.vendor("apprentiscope")
    app.reset()
    # A handler changes records it was handed before the reset (as a handler's cached data would).
    with sync_client(app) as client:
        listed = client.get(
            "/apprentiscope/read-users/all", headers={"Authorization": "sandbox-apprentiscope-token"}
        )
        assert listed.status_code == 200
    data.collections["users"].clear()
    app.reset()
    assert app.store.export("apprentiscope") == fresh


@pytest.mark.parametrize("api", vendor_names())
def test_a_seed_gives_the_same_records_whatever_the_day(api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    today = create_app(apis=(api,), seed=3).store.export(api)
    real = time.time
    # A week and a few seconds later: no seeded record may carry the day (or second) it was made.
    monkeypatch.setattr(time, "time", lambda: real() + 7 * 86400 + 5)
    later = create_app(apis=(api,), seed=3).store.export(api)
    assert json.dumps(later) == json.dumps(today)
