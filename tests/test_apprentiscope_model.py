"""ApprentiScope's rules over the store without HTTP: the lookups that indexes answer stay right."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver import Conflict, Store, VendorData
from mockserver.collection import Collection
from mockserver.resources import fixture_path
from mockserver.scenarios import load_scenario
from mockserver.vendors.apprentiscope import model
from mockserver.vendors.apprentiscope.seed import seed

API = "apprentiscope"


@pytest.fixture
def store() -> Store:
    scenario = load_scenario(fixture_path("apprentiscope/default.yaml"))

    def seeder(data: VendorData) -> None:
        seed(data, scenario)

    return Store({API: seeder})


@pytest.fixture
def data(store: Store) -> VendorData:
    return store.vendor(API)


def _ada(data: VendorData, email: str = "ada@example.com", **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": email, "user_type": "apprentice"}
    return model.create_user(data, {**body, **fields})


def _scan(data: VendorData, user_type: str, filters: dict[str, list[str]]) -> list[str]:
    """read-users answered by looking at every user, as the rule is written in the docs."""
    return [
        u["id"]
        for u in data.collection(model.USERS).values()
        if (user_type == "all" or u["user_type"] == user_type)
        and all(
            k in u and str(u[k]).casefold() in {x.casefold() for x in values} for k, values in filters.items()
        )
    ]


def _assert_indexes_current(data: VendorData) -> None:
    for name, records in data.collections.items():
        assert isinstance(records, Collection)
        rebuilt = Collection(dict(records), [index.spec for index in records.indexes().values()])
        for field, index in records.indexes().items():
            got = {k: sorted(v) for k, v in index.entries().items()}
            assert got == {k: sorted(v) for k, v in rebuilt.indexes()[field].entries().items()}, (name, field)


def test_changed_email_frees_the_old_one_and_takes_the_new_one(data: VendorData) -> None:
    ada = _ada(data)
    model.update_user(data, ada["id"], {"email": "countess@example.com"})
    assert _ada(data, "ADA@example.com", first_name="Another")["email"] == "ADA@example.com"
    with pytest.raises(Conflict, match=f"already used by user '{ada['id']}'"):
        _ada(data, "Countess@Example.com")
    _assert_indexes_current(data)


def test_deleted_user_frees_its_email_and_takes_its_records_along(data: VendorData) -> None:
    apprentice = next(
        u
        for u in data.collection(model.USERS).values()
        if model.list_grades(data, u["id"]) and model.progress(data, u["id"], "1")["ojt"]["hours_completed"]
    )
    model.delete_user(data, apprentice["id"])
    for collection in (model.GRADES, model.FILES, model.SUBMISSIONS):
        assert all(r["uid"] != apprentice["id"] for r in data.collection(collection).values())
    assert _ada(data, apprentice["email"].upper())["id"] in data.collection(model.USERS)
    _assert_indexes_current(data)


def test_imported_users_are_found_and_the_seeded_ones_are_gone(store: Store, data: VendorData) -> None:
    seeded = next(iter(data.collection(model.USERS).values()))
    imported = {"id": "imp1", "email": "Imported@Example.com", "user_type": "mentor", "first_name": "I"}
    state = store.export(API)
    state["collections"]["users"] = {"imp1": imported}
    store.import_(API, state)
    assert model.list_users(data, "mentor", {"email": ["imported@example.com"]}) == [imported]
    with pytest.raises(Conflict, match="already used by user 'imp1'"):
        _ada(data, "IMPORTED@example.com")
    assert _ada(data, seeded["email"])["email"] == seeded["email"]
    store.reset()
    assert model.list_users(data, "all", {"email": ["imported@example.com"]}) == []
    with pytest.raises(Conflict):
        _ada(data, seeded["email"])


def test_pending_invitation_is_found_by_email_whatever_its_case(data: VendorData) -> None:
    model.create_invitation(data, {"email": "guest@example.com", "user_type": "mentor", "first_name": "G"})
    with pytest.raises(Conflict, match="already pending"):
        model.create_invitation(
            data, {"email": "GUEST@example.com", "user_type": "mentor", "first_name": "G"}
        )


@pytest.mark.parametrize(
    ("user_type", "filters"),
    [
        ("apprentice", {}),
        ("all", {}),
        ("mentor", {"last_name": ["x"]}),
        ("all", {"last_name": ["x"]}),
        ("apprentice", {"apprentice_status": ["active", "SUSPENDED"]}),
        ("all", {"user_type": ["Mentor", "admin"], "managed": ["true"]}),
        ("supervisor", {"state": ["texas", "Ohio", "california"]}),
        ("all", {"email": ["JOHNNY.APPLESEED@apprentiscope.com"]}),
        ("admin", {"email": ["johnny.appleseed@apprentiscope.com"]}),
    ],
)
def test_read_users_filters_answer_what_a_scan_does(
    data: VendorData, user_type: str, filters: dict[str, list[str]]
) -> None:
    users = data.collection(model.USERS)
    # An apprentice's company, which other users share too, so that indexed filter matches several.
    some = next(u for u in users.values() if u["user_type"] == "apprentice" and "company_id" in u)
    filters = {**filters, "company_id": [some["company_id"]]} if user_type == "apprentice" else filters
    # A user changed after indexing is still found under its new values, in the collection's order.
    model.update_user(data, some["id"], {"last_name": "X", "apprentice_status": "suspended"})
    found = [u["id"] for u in model.list_users(data, user_type, filters)]
    assert found == _scan(data, user_type, filters)
    if user_type == "apprentice":
        assert some["id"] in found


def test_partners_by_type_follow_updates(data: VendorData) -> None:
    employer = model.list_partners(data, "employer")[0]
    model.update_partner(data, employer["id"], {"type": "sponsor"})
    assert employer["id"] not in [p["id"] for p in model.list_partners(data, "employer")]
    assert employer["id"] in [p["id"] for p in model.list_partners(data, "sponsor")]
    _assert_indexes_current(data)
