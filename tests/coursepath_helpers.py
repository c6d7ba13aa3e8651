"""Helpers shared by the Coursepath tests: the in-process base URL and a fresh token per call."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors.coursepath import ADMIN_EMAIL, API_KEY, CREDENTIALS
from mockserver.vendors.coursepath.factory import CoursepathFactory

BASE = "http://sandbox/coursepath/api/v1"


def coursepath_app() -> Sandbox:
    """A sandbox serving only Coursepath, its responses validated against the spec."""
    return create_app(apis=("coursepath",), validate_responses=True)


def auth(email: str = ADMIN_EMAIL) -> dict[str, str]:
    """A fresh token for ``email``: each is single use."""
    return {"Authorization": f"Bearer {CREDENTIALS.sign({'key': API_KEY, 'email': email})}"}


def api_client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client with no credentials of its own (pass ``headers=auth()`` per call)."""
    with sync_client(sandbox, base_url=BASE) as client:
        yield client


def factory_of(sandbox: Sandbox) -> CoursepathFactory:
    return CoursepathFactory(sandbox.store, sandbox.store.vendor("coursepath"))
