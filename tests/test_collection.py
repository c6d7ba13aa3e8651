from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mockserver.collection import Collection, IndexSpec


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


EMAIL = IndexSpec("email", key=_fold)
KIND = IndexSpec("kind")


def _users() -> Collection:
    return Collection(
        {
            "a": {"id": "a", "email": "Ada@Example.com", "kind": "admin"},
            "b": {"id": "b", "email": "bob@example.com", "kind": "user"},
            "c": {"id": "c", "email": "cy@example.com", "kind": "user"},
        },
        [EMAIL, KIND],
    )


def _index(users: Collection, field: str) -> dict[Any, list[str]]:
    return users.indexes()[field].entries()


def _sorted(entries: dict[Any, list[str]]) -> dict[Any, list[str]]:
    return {key: sorted(ids) for key, ids in entries.items()}


def test_lookup_goes_through_the_key_function() -> None:
    users = _users()
    assert users.indexes()["email"].ids("ADA@example.COM") == ["a"]
    assert users.indexes()["email"].ids("nobody@example.com") == []


def test_every_dict_write_keeps_the_index_current() -> None:
    users = _users()
    users["d"] = {"id": "d", "email": "dee@example.com", "kind": "user"}
    users["a"] = {"id": "a", "email": "ada2@example.com", "kind": "admin"}
    del users["b"]
    users.pop("c")
    assert _index(users, "email") == {"dee@example.com": ["d"], "ada2@example.com": ["a"]}
    assert _index(users, "kind") == {"user": ["d"], "admin": ["a"]}
    users.update({"e": {"id": "e", "email": "e@example.com", "kind": "user"}})
    users.setdefault("f", {"id": "f", "email": "f@example.com", "kind": "bot"})
    assert users.indexes()["kind"].ids("user") == ["d", "e"]
    assert users.indexes()["kind"].ids("bot") == ["f"]
    users.clear()
    assert _index(users, "email") == {}
    assert _index(users, "kind") == {}


def test_reindex_files_a_record_changed_in_place_under_its_new_value() -> None:
    users = _users()
    users["b"]["email"] = "robert@example.com"
    users.reindex("b")
    assert users.indexes()["email"].ids("bob@example.com") == []
    assert users.indexes()["email"].ids("robert@example.com") == ["b"]


def test_in_order_answers_in_the_collections_order() -> None:
    users = _users()
    users["a"]["kind"] = "user"
    users.reindex("a")
    # "a" was filed under "user" last, but it is the collection's first record.
    assert [u["id"] for u in users.in_order(users.indexes()["kind"].ids("user"))] == ["a", "b", "c"]


def test_an_index_added_later_is_built_from_the_records_already_there() -> None:
    users = _users()
    index = users.add_index(IndexSpec("id"))
    assert index.ids("c") == ["c"]
    assert users.add_index(IndexSpec("id")) is index


def test_values_that_cannot_be_keys_are_left_out_without_failing() -> None:
    users = Collection(specs=[EMAIL])
    users["x"] = {"id": "x", "email": ["a", "list"]}
    users["y"] = {"id": "y"}
    users["z"] = {"id": "z", "email": None}
    assert _index(users, "email") == {None: ["z"]}


def test_copies_are_plain_dicts_that_do_not_share_records() -> None:
    users = _users()
    copied = copy.deepcopy(users)
    assert type(copied) is dict
    assert copied == users
    copied["a"]["email"] = "changed@example.com"
    assert users["a"]["email"] == "Ada@Example.com"
    assert type(copy.copy(users)) is dict


class CollectionMachine(RuleBasedStateMachine):
    """Any sequence of writes leaves every index equal to one built from scratch."""

    def __init__(self) -> None:
        super().__init__()
        self.users = Collection(specs=[EMAIL, KIND])

    ids = st.sampled_from("abcdef")
    emails = st.sampled_from(["a@x.com", "A@X.COM", "b@x.com", "c@x.com"])
    kinds = st.sampled_from(["admin", "user", None])

    @rule(rid=ids, email=emails, kind=kinds)
    def put(self, rid: str, email: str, kind: str | None) -> None:
        self.users[rid] = {"id": rid, "email": email, "kind": kind}

    @rule(rid=ids, email=emails)
    def change_in_place(self, rid: str, email: str) -> None:
        if rid in self.users:
            self.users[rid]["email"] = email
            self.users.reindex(rid)

    @rule(rid=ids)
    def delete(self, rid: str) -> None:
        self.users.pop(rid, None)

    @rule()
    def pop_last(self) -> None:
        if self.users:
            self.users.popitem()

    @invariant()
    def indexes_match_a_rebuild(self) -> None:
        rebuilt = Collection(dict(self.users), [EMAIL, KIND])
        for field in ("email", "kind"):
            # Within one key, ids may be filed in another order than the rebuild's; in_order sorts them.
            assert _sorted(_index(self.users, field)) == _sorted(_index(rebuilt, field))
        assert [r["id"] for r in self.users.in_order(self.users)] == list(self.users)


TestCollectionMachine = CollectionMachine.TestCase
