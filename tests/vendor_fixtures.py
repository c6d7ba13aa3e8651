"""Fixtures made from the vendor registry, so every vendor's tests get the same ones the same way.

``tests/conftest.py`` installs, for every vendor in the registry, ``<name>_sandbox`` (the pytest plugin's
own vendor handle, over this suite's ``sandbox``) and ``<name>_api`` (its in-process client, authenticated
the vendor's way). A test package or module about one vendor takes ``served_alone(name)``'s fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.index import ApiIndex, Operation
from mockserver.plugin import SandboxHandle, VendorSandbox
from mockserver.pytest_plugin import watch_coverage
from mockserver.server import LiveServer
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY


def reset_and_check(app: Sandbox) -> Iterator[Sandbox]:
    """``app`` reset to seed 0 for one test; afterwards, fail the test if a handler raised."""
    app.reset(0)
    yield app
    errors = list(app.errors)
    app.errors.clear()
    assert not errors, f"the sandbox raised during the test: {errors!r}"


@pytest.fixture
def sandbox_handle(sandbox: Sandbox) -> Iterator[SandboxHandle]:
    """The plugin's handle on this suite's ``sandbox``; the clients it made are closed after the test."""
    handle = SandboxHandle(sandbox, sandbox.options)
    yield handle
    handle.close()


def _registry_fixtures(name: str) -> tuple[Any, Any]:
    title = REGISTRY[name].title

    def vendor(sandbox_handle: SandboxHandle) -> VendorSandbox[Any]:
        return sandbox_handle.vendor(name)

    def api(sandbox_handle: SandboxHandle) -> httpx.Client:
        return sandbox_handle.client(name)

    vendor.__doc__ = f"The plugin's handle of {title}: authenticated clients, ``factory``, ``state``."
    api.__doc__ = f"An in-process client at {title}'s base URL, authenticated the vendor's way."
    return pytest.fixture(name=f"{name}_sandbox")(vendor), pytest.fixture(name=f"{name}_api")(api)


def plain_gets(index: ApiIndex) -> list[Operation]:
    """An API's GET operations a client calls with no argument (its clients send the headers it needs)."""
    return [
        op
        for op in index.operations.values()
        if op.method == "GET"
        and "{" not in op.path
        and not any(p.get("required") and p.get("in") == "query" for p in op.parameters)
    ]


def registry_fixtures() -> dict[str, Any]:
    """``<name>_sandbox`` and ``<name>_api`` for every vendor in the registry, by attribute name."""
    made: dict[str, Any] = {}
    for name in REGISTRY:
        made[f"{name}_sandbox"], made[f"{name}_api"] = _registry_fixtures(name)
    return made


class ServedAlone(NamedTuple):
    app: Any
    sandbox: Any
    api: Any
    factory: Any


def served_alone(name: str, *, path: str = "", **options: Any) -> ServedAlone:
    """Fixtures for tests of one vendor, against a sandbox serving only it (one per test module).

    ``app``: that sandbox, responses validated (``options`` go to ``create_app``), closed after the module;
    ``sandbox``: the app reset before each test, failing it if a handler raised; ``api``: a client at the
    vendor's prefix plus ``path`` with no credentials of its own, for tests that send them as they need;
    ``factory``: the vendor's factory (its descriptor's).
    """

    @pytest.fixture(name="app", scope="module")
    def app(pytestconfig: pytest.Config) -> Iterator[Sandbox]:
        made = create_app(apis=(name,), validate_responses=True, **options)
        watch_coverage(pytestconfig, made)
        yield made
        made.close()

    @pytest.fixture(name="sandbox")
    def sandbox(app: Sandbox) -> Iterator[Sandbox]:
        yield from reset_and_check(app)

    @pytest.fixture(name="api")
    def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
        with sync_client(sandbox, base_url=f"{SandboxHandle.url}{sandbox.apis[name].prefix}{path}") as client:
            yield client

    @pytest.fixture(name="factory")
    def factory(sandbox_handle: SandboxHandle) -> Any:
        return sandbox_handle.vendor(name).factory

    return ServedAlone(app, sandbox, api, factory)


def served_live(name: str, **options: Any) -> tuple[Any, Any]:
    """Fixtures for tests of a target reached by URL: one vendor's sandbox on 127.0.0.1 and a free port.

    ``served``: ``(sandbox, the vendor's base URL)``, one server per test module (``options`` go to
    ``create_app``); ``server``: the same, the sandbox reset to seed 0 before each test.
    """

    @pytest.fixture(name="served", scope="module")
    def served(pytestconfig: pytest.Config) -> Iterator[tuple[Sandbox, str]]:
        sandbox = create_app(apis=(name,), **options)
        watch_coverage(pytestconfig, sandbox)
        with LiveServer(sandbox) as live:
            yield sandbox, f"{live.url}{sandbox.apis[name].prefix}"

    @pytest.fixture(name="server")
    def server(served: tuple[Sandbox, str]) -> tuple[Sandbox, str]:
        served[0].reset(0)
        return served

    return served, server
