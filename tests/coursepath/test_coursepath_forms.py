"""Coursepath request bodies as forms: the same calls as JSON; ``mail[subject]`` nests as ``mail.subject``."""

from __future__ import annotations

import httpx
import pytest

from mockserver.vendors.coursepath.factory import CoursepathFactory
from mockserver.vendors.coursepath.forms import fold

from .helpers import auth


def test_bracketed_form_keys_fold_into_nested_objects() -> None:
    pairs = [("email", "a@example.com"), ("mail[subject]", "Hi"), ("mail[body]", "Come"), ("a[b][c]", "d")]

    assert fold(pairs) == {
        "email": "a@example.com",
        "mail": {"subject": "Hi", "body": "Come"},
        "a": {"b": {"c": "d"}},
    }
    assert fold([("name", "one"), ("name", "two")]) == {"name": "two"}
    assert fold([("mail", "x"), ("mail[subject]", "y")]) == {"mail": {"subject": "y"}}


def test_a_member_created_with_a_form_reads_back_as_with_json(api: httpx.Client) -> None:
    made = api.post("/members", headers=auth(), data={"email": "grace.hopper@example.com", "company": "Navy"})

    assert made.status_code == 201, made.text
    member = made.json()
    assert member["name"] == "Grace Hopper"
    assert member["company"] == "Navy"
    assert api.get(f"/members/{member['id']}", headers=auth()).json() == member


def test_a_form_update_changes_only_what_it_names(api: httpx.Client, factory: CoursepathFactory) -> None:
    member = factory.member("grace@example.com", company="Navy")

    updated = api.post(f"/members/{member['id']}", headers=auth(), data={"department": "Research"})

    assert updated.status_code == 200, updated.text
    read = api.get(f"/members/{member['id']}", headers=auth()).json()
    assert read["department"] == "Research"
    assert read["company"] == "Navy"


def test_a_member_joins_a_group_named_in_a_form(api: httpx.Client, factory: CoursepathFactory) -> None:
    member = factory.member("grace@example.com")

    added = api.post(f"/members/{member['id']}/groups", headers=auth(), data={"name": "Navy"})

    assert added.status_code == 201, added.text
    groups = api.get(f"/members/{member['id']}/groups", headers=auth()).json()
    assert [g["name"] for g in groups] == ["Navy"]


@pytest.mark.parametrize(
    "form",
    [{}, {"email": "not-an-email"}, {"company": "Navy"}],
)
def test_a_bad_form_is_a_400_in_coursepaths_error_body_and_makes_no_member(
    api: httpx.Client, form: dict[str, str]
) -> None:
    before = len(api.get("/members", headers=auth()).json())

    refused = api.post(
        "/members",
        headers={**auth(), "Content-Type": "application/x-www-form-urlencoded"},
        content=str(httpx.QueryParams(form)).encode(),
    )

    assert refused.status_code == 400, refused.text
    assert refused.json()["status"] == 400
    assert len(api.get("/members", headers=auth()).json()) == before
