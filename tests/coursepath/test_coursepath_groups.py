"""Coursepath groups: list them, their members, a member's groups; add by name, remove one or all."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.vendors.coursepath.factory import CoursepathFactory

from .helpers import auth


def names(groups: list[dict[str, Any]]) -> list[str]:
    return [g["name"] for g in groups]


def groups_of(api: httpx.Client, member: str) -> list[str]:
    response = api.get(f"/members/{member}/groups", headers=auth())
    assert response.status_code == 200, response.text
    return names(response.json())


def test_adding_by_a_new_name_makes_the_group_and_lists_both_ways(
    api: httpx.Client, factory: CoursepathFactory
) -> None:
    member, other = factory.member("grace@example.com"), factory.member("alan@example.com")

    added = api.post(f"/members/{member['id']}/groups", headers=auth(), json={"name": "Navy"})
    again = api.post(f"/members/{member['id']}/groups", headers=auth(), json={"name": " navy "})

    assert added.status_code == 201, added.text
    assert again.status_code == 200
    assert again.json() == added.json()
    group = added.json()
    assert group["name"] == "Navy"
    assert "Navy" in names(api.get("/groups", headers=auth()).json())
    members = api.get(f"/groups/{group['id']}/members", headers=auth()).json()
    assert [m["id"] for m in members] == [member["id"]]
    assert groups_of(api, member["id"]) == ["Navy"]
    assert groups_of(api, other["id"]) == []


def test_a_second_member_joins_the_existing_group(api: httpx.Client, factory: CoursepathFactory) -> None:
    first, second = factory.member("grace@example.com"), factory.member("alan@example.com")
    group = api.post(f"/members/{first['id']}/groups", headers=auth(), json={"name": "Navy"}).json()

    joined = api.post(f"/members/{second['id']}/groups", headers=auth(), json={"name": "NAVY"})

    assert joined.status_code == 201
    assert joined.json()["id"] == group["id"]
    members = api.get(f"/groups/{group['id']}/members", headers=auth()).json()
    assert [m["id"] for m in members] == [first["id"], second["id"]]


def test_removing_by_name_leaves_the_other_groups(api: httpx.Client, factory: CoursepathFactory) -> None:
    member = factory.member("grace@example.com")
    for name in ("Navy", "Research", "Cobol"):
        api.post(f"/members/{member['id']}/groups", headers=auth(), json={"name": name})

    removed = api.delete(f"/members/{member['id']}/groups", headers=auth(), params={"name": "research"})

    assert removed.status_code == 204
    assert groups_of(api, member["id"]) == ["Navy", "Cobol"]
    again = api.delete(f"/members/{member['id']}/groups", headers=auth(), params={"name": "Research"})
    assert again.status_code == 404
    assert again.json()["field"] == "name"
    assert "Research" in names(api.get("/groups", headers=auth()).json())


def test_removing_without_a_name_leaves_every_group_and_no_one_else(
    api: httpx.Client, factory: CoursepathFactory
) -> None:
    member, other = factory.member("grace@example.com"), factory.member("alan@example.com")
    for name in ("Navy", "Research"):
        api.post(f"/members/{member['id']}/groups", headers=auth(), json={"name": name})
    api.post(f"/members/{other['id']}/groups", headers=auth(), json={"name": "Navy"})

    removed = api.delete(f"/members/{member['id']}/groups", headers=auth())

    assert removed.status_code == 204
    assert groups_of(api, member["id"]) == []
    assert groups_of(api, other["id"]) == ["Navy"]


def test_the_seed_has_the_named_group_with_its_members(api: httpx.Client) -> None:
    (staff,) = [g for g in api.get("/groups", headers=auth()).json() if g["name"] == "Sandbox Staff"]

    members = api.get(f"/groups/{staff['id']}/members", headers=auth()).json()

    assert [m["email"] for m in members] == ["sandbox.admin@example.com", "sandbox.learner@example.com"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/members/{member}/groups", {"json": {}}, 400),
        ("POST", "/members/{member}/groups", {"json": {"name": ""}}, 400),
        ("POST", "/members/{member}/groups", {"json": {"name": "   "}}, 400),
        ("POST", "/members/nope/groups", {"json": {"name": "Navy"}}, 404),
        ("GET", "/members/nope/groups", {}, 404),
        ("GET", "/groups/nope/members", {}, 404),
        ("GET", "/groups", {"params": {"limit": 0}}, 400),
        ("DELETE", "/members/nope/groups", {}, 404),
        ("DELETE", "/members/{member}/groups", {"params": {"name": "No such group"}}, 404),
    ],
)
def test_group_errors_are_4xx_in_coursepaths_error_body(
    api: httpx.Client, factory: CoursepathFactory, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    member = factory.member("grace@example.com")

    response = api.request(method, path.format(member=member["id"]), headers=auth(), **kwargs)

    assert response.status_code == status, response.text
    assert response.json()["status"] == status
    assert groups_of(api, member["id"]) == []
