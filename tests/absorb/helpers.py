"""Plain helpers shared by the Absorb tests: the in-process base URL, logging in, and response checks."""

from __future__ import annotations

from typing import Any

import httpx

from mockserver.vendors.absorb import ADMIN, PRIVATE_KEY

BASE = "http://sandbox/absorb"
NOWHERE = "00000000-0000-4000-8000-000000000000"
# The default scenario's named courses (fixtures/absorb/default.yaml), the ids the spec's examples use.
ONLINE_COURSE = "3d6f1b2a-8c4e-4f5a-9b6c-7d8e9f0a1b2c"
ILC_COURSE = "c4b3a291-8f7e-4d6c-9b5a-3e2f1d0c9b8a"
NAMED_COURSES = (ONLINE_COURSE, ILC_COURSE)


def login(api: httpx.Client, account: dict[str, str] = ADMIN) -> str:
    response = api.post(
        "/authenticate",
        headers={"x-api-key": PRIVATE_KEY},
        json={"username": account["username"], "password": account["password"], "privateKey": PRIVATE_KEY},
    )
    assert response.status_code == 200, response.text
    token = response.json()
    assert isinstance(token, str)
    return token


def headers(token: str, *, bearer: bool = False) -> dict[str, str]:
    return {"x-api-key": PRIVATE_KEY, "Authorization": f"Bearer {token}" if bearer else token}


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of ``response``, which must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()
