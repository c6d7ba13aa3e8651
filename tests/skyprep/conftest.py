"""SkyPrep fixtures: one sandbox serving only SkyPrep per test module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors.skyprep.factory import SkyprepFactory

from ..conftest import reset_and_check
from .helpers import BASE


@pytest.fixture(scope="module")
def app() -> Sandbox:
    return create_app(apis=("skyprep",), validate_responses=True)


@pytest.fixture
def sandbox(app: Sandbox) -> Iterator[Sandbox]:
    yield from reset_and_check(app)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client with no credentials of its own: each call sends the keys where the test says."""
    with sync_client(sandbox, base_url=BASE) as client:
        yield client


@pytest.fixture
def factory(sandbox: Sandbox) -> SkyprepFactory:
    return SkyprepFactory(sandbox.store, sandbox.store.vendor("skyprep"))
