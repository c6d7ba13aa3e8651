"""Absorb fixtures: one sandbox serving only Absorb per test module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors.absorb.factory import AbsorbFactory

from ..conftest import reset_and_check
from .helpers import BASE, headers, login


@pytest.fixture(scope="module")
def app() -> Sandbox:
    return create_app(apis=("absorb",), validate_responses=True)


@pytest.fixture
def sandbox(app: Sandbox) -> Iterator[Sandbox]:
    yield from reset_and_check(app)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client with no credentials of its own: each test logs in as it needs."""
    with sync_client(sandbox, base_url=BASE) as client:
        yield client


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    """Headers of a fresh admin login."""
    return headers(login(api))


@pytest.fixture
def factory(sandbox: Sandbox) -> AbsorbFactory:
    return AbsorbFactory(sandbox.store, sandbox.store.vendor("absorb"))
