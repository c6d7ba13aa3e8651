"""Helpers shared by the ApprentiScope tests."""

from __future__ import annotations

from typing import Any

import httpx

JOHNNY_EMAIL = "johnny.appleseed@apprentiscope.com"


def johnny(api: httpx.Client) -> dict[str, Any]:
    """The named apprentice of the default scenario."""
    (user,) = api.get("/read-users/apprentice", params={"email": JOHNNY_EMAIL}).json()
    return dict(user)


def create_user(api: httpx.Client, path: str = "/create-user", **fields: Any) -> httpx.Response:
    """Ask to create a user: a fresh apprentice unless ``fields`` say otherwise; the response."""
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "user_type": "apprentice",
        **fields,
    }
    return api.post(path, json={"user": body})


def new_user(api: httpx.Client, **fields: Any) -> str:
    """Create a user (a fresh apprentice unless fields say otherwise) and return its id."""
    response = create_user(api, **fields)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def first_occupation(api: httpx.Client) -> dict[str, Any]:
    return dict(api.get("/read-occupations").json()[0])


def an_employer(api: httpx.Client) -> dict[str, Any]:
    return dict(api.get("/read-partners/employer").json()[0])
