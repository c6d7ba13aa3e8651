from __future__ import annotations

import pytest

from mockserver import Journal
from mockserver.plugin import Call, JournalAssertions
from mockserver.plugin.calls import includes

from .journal_helpers import record


class _Scoped(JournalAssertions):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def _journal_scope(self) -> tuple[Journal, str | None, str]:
        return self.journal, "apprentiscope", "/apprentiscope"


def _record(journal: Journal, **overrides: object) -> None:
    """A created user, unless ``overrides`` say otherwise."""
    created = {
        "method": "POST",
        "path": "/apprentiscope/create-user",
        "status": 201,
        "operation_id": "createUser",
        "request_body": '{"user": {"email": "ada@example.com", "tags": [1, 2]}}',
        "response_body": '{"id": "u1"}',
    }
    record(journal, **{**created, **overrides})


def test_includes_compares_objects_as_subsets_and_everything_else_exactly() -> None:
    actual = {"user": {"email": "a@b.c", "tags": [1, 2]}, "n": 1}
    assert includes(actual, {"user": {"email": "a@b.c"}})
    assert includes(actual, {})
    assert not includes(actual, {"user": {"tags": [1]}})
    assert not includes(actual, {"missing": None})
    assert not includes([1, 2], {"0": 1})


def test_a_call_parses_its_bodies_and_query() -> None:
    journal = Journal()
    _record(journal, query="email=a%40b.c&email=x", request_body="not json")
    call = Call.from_entry(journal.entries()[0])
    assert call.json is None
    assert call.response_json == {"id": "u1"}
    assert call.params == {"email": ["a@b.c", "x"]}


def test_a_long_body_is_shortened_in_descriptions() -> None:
    journal = Journal()
    _record(journal, request_body="x" * 1000)
    description = Call.from_entry(journal.entries()[0]).describe()
    assert description.startswith("POST /apprentiscope/create-user -> 201 createUser\n       body: xxx")
    assert description.endswith("...")
    assert len(description) < 400


def test_path_matches_exactly_or_as_a_pattern_relative_to_the_api() -> None:
    journal = Journal()
    _record(journal, method="GET", path="/apprentiscope/read-users/all", operation_id="readUsers")
    _record(journal, method="GET", path="/apprentiscope/read-user/u1/", operation_id="readUser")
    scoped = _Scoped(journal)
    assert [c.operation_id for c in scoped.calls(path="/read-user/u1")] == ["readUser"]
    assert [c.operation_id for c in scoped.calls(path="/read-user*")] == ["readUsers", "readUser"]
    assert scoped.calls(path="/read-user") == []


def test_times_counts_exactly_and_the_message_lists_the_calls() -> None:
    journal = Journal()
    _record(journal)
    _record(journal, status=409)
    scoped = _Scoped(journal)
    assert len(scoped.assert_called("createUser", times=2)) == 2
    with pytest.raises(AssertionError) as raised:
        scoped.assert_called("createUser", times=1, status=409, json={"user": {}})
    assert str(raised.value).splitlines()[:3] == [
        "expected createUser with status=409, json={'user': {}} to be called once, but it was never called.",
        "Calls to apprentiscope during this test (2):",
        "  1. POST /apprentiscope/create-user -> 201 createUser",
    ]


class _SkyPrep(JournalAssertions):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def _journal_scope(self) -> tuple[Journal, str | None, str]:
        return self.journal, "skyprep", "/skyprep"


def test_a_bare_call_name_matches_an_operation_and_its_twin_and_is_known() -> None:
    journal = Journal()
    common = {"api": "skyprep", "path": "/skyprep/admin/api/get_user", "status": 200}
    _record(journal, **common, method="POST", operation_id="get_user", call="get_user")
    _record(journal, **common, method="GET", operation_id="get_userGet", call="get_user")
    _record(journal, **common, method="POST", operation_id="get_users", call="get_users")
    scoped = _SkyPrep(journal)
    assert [c.method for c in scoped.assert_called("get_user", times=2)] == ["POST", "GET"]
    assert [c.method for c in scoped.calls("get_userGet")] == ["GET"]
    with pytest.raises(ValueError, match="no operation 'get_usr'"):
        scoped.calls("get_usr")
