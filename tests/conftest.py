"""Shared fixtures: one sandbox per session, reset before each test, in-process clients.

``sandbox`` here overrides the installed pytest plugin's fixture of the same name for this suite;
the plugin itself is tested as a downstream project uses it, in tests/test_pytest_plugin.py.
Every vendor in the registry gets ``<name>_sandbox`` and ``<name>_api`` (see ``vendor_fixtures``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings

from mockserver import Sandbox, create_app
from mockserver.pytest_plugin import watch_coverage
from mockserver.testing import sync_client

from .vendor_fixtures import registry_fixtures, reset_and_check, sandbox_handle

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

# ApprentiScope's sandbox token, for tests that send it by hand (``apprentiscope_api`` sends it itself).
TOKEN = "sandbox-apprentiscope-token"
AUTH = {"Authorization": TOKEN}

__all__ = ["AUTH", "TOKEN", "reset_and_check", "sandbox_handle"]
globals().update(registry_fixtures())


@pytest.fixture(scope="session")
def session_sandbox(pytestconfig: pytest.Config) -> Sandbox:
    app = create_app(validate_responses=True)
    watch_coverage(pytestconfig, app)  # (this suite's own sandbox, in --sandbox-coverage's report)
    return app


@pytest.fixture
def sandbox(session_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The session's sandbox, reset to seed 0; fails the test if a handler raised."""
    yield from reset_and_check(session_sandbox)


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client for the whole sandbox (control plane and every prefix), no credentials."""
    with sync_client(sandbox) as c:
        yield c


# A downstream project's pytest settings, strict, for the plugin tests that run test files with pytester.
DOWNSTREAM_INI = """
[pytest]
addopts = --strict-markers -p no:cacheprovider
filterwarnings = error
xfail_strict = true
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A downstream project: strict ini, nothing but the installed plugin."""
    pytester.makeini(DOWNSTREAM_INI)
    return pytester


# The slowest modules first (longest processing time first): with xdist's ``worksteal`` (the Makefile's
# ``make test``), the workers then finish together, instead of one running a whole contract alone at the end.
SLOW_FIRST = (
    "tests/test_contracts_api.py",
    "tests/test_contract_faults.py",
    "tests/test_schemathesis.py",
    "tests/test_workflows.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {module: place for place, module in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.fixture
def anyio_backend() -> str:
    """The suite's async tests run on asyncio (what servers here run on), not once more per installed
    backend: trio is installed too (selenium, of the dev extra, brings it)."""
    return "asyncio"
