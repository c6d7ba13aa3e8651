"""Coursepath fixtures: one sandbox serving only Coursepath per test module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors.coursepath.factory import CoursepathFactory

from ..conftest import reset_and_check
from .helpers import BASE


@pytest.fixture(scope="module")
def app() -> Iterator[Sandbox]:
    """A sandbox serving only Coursepath, its responses validated; closed (webhooks finished) after."""
    made = create_app(apis=("coursepath",), validate_responses=True)
    yield made
    made.close()


@pytest.fixture
def sandbox(app: Sandbox) -> Iterator[Sandbox]:
    yield from reset_and_check(app)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client with no credentials of its own (pass ``headers=auth()`` per call)."""
    with sync_client(sandbox, base_url=BASE) as client:
        yield client


@pytest.fixture
def factory(sandbox: Sandbox) -> CoursepathFactory:
    return CoursepathFactory(sandbox.store, sandbox.store.vendor("coursepath"))
