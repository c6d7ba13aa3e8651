"""pytest plugin of lms-sandbox (entry point ``lms_sandbox``): fixtures, hooks, options and the marker.

Fixtures: ``sandbox`` (the session's app, reset before each test), ``<name>_sandbox`` for every vendor in
the registry (made at configure time, so a vendor added by an entry point or ``register_vendor`` in a
conftest gets one too), ``sandbox_server`` (the same app on a real port), ``webhook_receiver`` (a live
URL collecting webhook deliveries) and the setting ``sandbox_options``. This module imports nothing heavy
itself: the machinery in ``mockserver.plugin`` and the vendors' factories are imported when a test first
asks for them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import types
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.app import Sandbox
    from mockserver.options import SandboxOptions
    from mockserver.plugin import (
        BaseHandle,
        LiveSandbox,
        MarkerSettings,
        SandboxPool,
        VendorSandbox,
        WebhookReceiver,
    )
    from mockserver.plugin.coverage import CoverageCollector  # noqa: F401  (the stash key's type)
    from mockserver.plugin.remote import ServedSandbox
    from mockserver.vendors import Vendor

_HANDLE = pytest.StashKey["BaseHandle"]()
# With --sandbox-url: the served sandbox (checked at session start) and this run's id, made once by the
# controller and handed to xdist workers, so two runs (two CI jobs) never share a session.
_SERVED: pytest.StashKey[ServedSandbox] = pytest.StashKey()
_RUN_ID = pytest.StashKey[str]()
_WORKER_RUN_ID = "lms_sandbox_run_id"
# The options the config file (lms-sandbox.toml, or pyproject.toml's [tool.lms-sandbox]) sets, read once.
_FILE_OPTIONS = pytest.StashKey["SandboxOptions"]()
# The run's coverage collector (``mockserver.plugin.coverage``), when coverage was asked for.
_COVERAGE = pytest.StashKey["CoverageCollector"]()
# ``mockserver.coverage_render.FORMATS`` (not imported here: this module stays light).
COVERAGE_FORMATS = ("term", "json", "markdown", "html")
_COVERAGE_OPTIONS = (
    "sandbox_coverage",
    "sandbox_coverage_output",
    "sandbox_coverage_fail_under",
    "sandbox_coverage_fail_under_statuses",
)
JUNIT_CHOICES = ("yes", "no")

MARKER = (
    "sandbox(seed=None, fixture=None, apis=None, faults=None, isolated=False): run this test against a "
    "sandbox built with another seed, scenario file(s) (relative to the test file or the rootdir) or "
    "subset of APIs, with faults in force (each 'API[:OP]=KIND[,KEY:VALUE...]' as serve --fault takes it, "
    "or a mapping), in a session of its own (isolated: X-Sandbox-Session, deleted after the test)"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lms-sandbox", "lms-sandbox (local vendor API sandbox)")
    group.addoption(
        "--sandbox-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of the sandbox's generated data (default: sandbox_options' seed, 0)",
    )
    group.addoption(
        "--sandbox-fixture",
        action="append",
        default=[],
        metavar="FILE",
        help="scenario file to seed an API from instead of its default (repeatable, one per API)",
    )
    group.addoption(
        "--sandbox-url",
        default=None,
        metavar="URL",
        help="use the sandbox served at URL (lms-sandbox serve, its image) instead of one in this process, "
        "in sessions of this run's own (X-Sandbox-Session; one per xdist worker); default: $LMS_SANDBOX_URL",
    )
    group.addoption(
        "--sandbox-control-token",
        default=None,
        metavar="TOKEN",
        help="the control-plane token of the sandbox at --sandbox-url (default: $LMS_SANDBOX_CONTROL_TOKEN)",
    )
    group.addoption(
        "--sandbox-config",
        default=None,
        metavar="PATH",
        help="read the sandbox's settings from this TOML file (a pyproject.toml: its [tool.lms-sandbox] "
        "table); default: the rootdir's lms-sandbox.toml, else its pyproject.toml's [tool.lms-sandbox]",
    )
    _coverage_options(group)


def _coverage_options(group: pytest.OptionGroup) -> None:
    formats = ", ".join(COVERAGE_FORMATS)
    group.addoption(
        "--sandbox-coverage",
        nargs="?",
        const="term",
        default=None,
        choices=COVERAGE_FORMATS,
        metavar="FORMAT",
        help="at the end of the run, report which documented operations, statuses and parameters of the "
        f"APIs called the tests exercised: {formats} (default term; give it as --sandbox-coverage=FORMAT)",
    )
    group.addoption(
        "--sandbox-coverage-output",
        default=None,
        metavar="FILE",
        help="write the coverage report to FILE (in --sandbox-coverage's format, else json); the terminal "
        "gets the compact one",
    )
    group.addoption(
        "--sandbox-coverage-fail-under",
        type=float,
        default=None,
        metavar="N",
        help="fail the run when under N %% of the documented operations of the APIs called were exercised",
    )
    group.addoption(
        "--sandbox-coverage-fail-under-statuses",
        type=float,
        default=None,
        metavar="N",
        help="fail the run when under N %% of the documented statuses of the APIs called were met",
    )
    group.addoption(
        "--sandbox-coverage-junit",
        default=None,
        choices=JUNIT_CHOICES,
        help="add the coverage figures to the --junitxml file as its test suite's properties "
        "(sandbox_coverage_operations, ...): yes (the default with any --sandbox-coverage option; "
        "alone, it turns coverage on) or no",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    config.pluginmanager.register(vendor_fixtures(), "lms_sandbox_vendor_fixtures")
    handed: dict[str, Any] = getattr(config, "workerinput", {})
    config.stash[_RUN_ID] = handed.get(_WORKER_RUN_ID) or secrets.token_hex(6)
    _read_config_file(config)
    junit = config.getoption("sandbox_coverage_junit", None)
    if junit == "yes" or any(config.getoption(name, None) is not None for name in _COVERAGE_OPTIONS):
        from mockserver.plugin.coverage import CoverageCollector, CoveragePlugin
        from mockserver.plugin.junit import JunitProperties

        collector = config.stash[_COVERAGE] = CoverageCollector()
        coverage = CoveragePlugin(config, collector)
        config.pluginmanager.register(coverage, "lms_sandbox_coverage")
        if junit != "no":
            coverage.junit = JunitProperties(lambda: coverage.final)
            config.pluginmanager.register(coverage.junit, "lms_sandbox_coverage_junit")


def _read_config_file(config: pytest.Config) -> None:
    """The config file's options, in the stash; a file that is wrong stops the run, saying why."""
    from mockserver.config import find_config, read_config
    from mockserver.errors import SettingError

    named = config.getoption("sandbox_config", None)
    try:
        found = (
            read_config(config.invocation_params.dir / Path(named)) if named else find_config(config.rootpath)
        )
        if found is not None:
            from mockserver.options import SandboxOptions
            from mockserver.serve_command import file_options

            config.stash[_FILE_OPTIONS] = file_options(found, SandboxOptions(validate_responses=True))
    except SettingError as exc:
        raise pytest.UsageError(f"lms-sandbox: {exc}") from None


def watch_coverage(config: pytest.Config, app: Sandbox) -> None:
    """Count ``app``'s requests in the run's ``--sandbox-coverage`` (nothing when it was not asked for).

    The plugin's own fixtures do it; call it for a sandbox your conftest builds itself with
    ``create_app`` (an override of ``sandbox``, a module's own app).
    """
    collector = config.stash.get(_COVERAGE, None)
    if collector is not None:
        collector.watch(app)


def _vendor_fixture(vendor: Vendor) -> Callable[..., Any]:
    def fixture(sandbox: BaseHandle) -> VendorSandbox[Any]:
        return sandbox.vendor(vendor.name)

    fixture.__name__ = vendor.fixture_name
    fixture.__doc__ = "\n\n".join(
        [
            f"{vendor.title}: clients that authenticate themselves, ``factory``, ``state``, ``clock``, "
            "``assert_called``.",
            *vendor.notes,
        ]
    )
    return pytest.fixture(name=vendor.fixture_name)(fixture)


def vendor_fixtures() -> types.ModuleType:
    """A plugin holding ``<name>_sandbox`` for every vendor in the registry."""
    from mockserver.vendors import REGISTRY

    holder = types.ModuleType("lms_sandbox_vendor_fixtures")
    for vendor in REGISTRY.values():
        setattr(holder, vendor.fixture_name, _vendor_fixture(vendor))
    return holder


@pytest.fixture(scope="session")
def sandbox_options(pytestconfig: pytest.Config) -> SandboxOptions:
    """The sandbox's options; override in your conftest.py (``--sandbox-*`` and the marker still apply).

    Default: every API, seed 0, responses validated against the specs (a violation fails the test),
    then what the config file sets (``--sandbox-config``, else the rootdir's ``lms-sandbox.toml``, else
    its ``pyproject.toml``'s ``[tool.lms-sandbox]``).
    """
    from mockserver.options import SandboxOptions

    return pytestconfig.stash.get(_FILE_OPTIONS, None) or SandboxOptions(validate_responses=True)


@pytest.fixture(scope="session")
def sandbox_pool() -> Iterator[SandboxPool]:
    """The session's apps, one per distinct configuration, and their live servers (stopped at the end)."""
    from mockserver.plugin import SandboxPool

    pool = SandboxPool()
    yield pool
    pool.close()


@pytest.fixture
def sandbox(
    request: pytest.FixtureRequest, sandbox_options: SandboxOptions, sandbox_pool: SandboxPool
) -> Iterator[BaseHandle]:
    """The sandbox app, reset to its seed before this test: URLs, credentials, clients, journal.

    With ``--sandbox-url``, the served sandbox instead, in this run's session (``_served_sandbox``).
    """
    from mockserver.plugin import (
        MarkerSettings,
        SandboxHandle,
        SandboxRaised,
        resolve_options,
        session_of_test,
    )

    marker = request.node.get_closest_marker("sandbox")
    settings = MarkerSettings.from_kwargs(marker.args, marker.kwargs) if marker else MarkerSettings()
    config = request.config
    served = config.stash.get(_SERVED, None)
    if served is not None:
        yield from _served_sandbox(request, served, sandbox_options, settings)
        return
    invoked = config.invocation_params.dir
    options = resolve_options(
        sandbox_options,
        cli_seed=config.getoption("sandbox_seed"),
        cli_fixtures=[invoked / Path(f) for f in config.getoption("sandbox_fixture")],
        marker=settings,
        marker_search=[request.path.parent, config.rootpath],
    )
    app = sandbox_pool.app(options)
    coverage = config.stash.get(_COVERAGE, None)
    if coverage is not None:
        coverage.watch(app)
    # A session of its own when asked: named by the xdist worker and the test, forgotten after it.
    session = (
        session_of_test(request.node.nodeid, os.environ.get("PYTEST_XDIST_WORKER"))
        if settings.isolated
        else None
    )
    handle = SandboxHandle(app, options, session)
    handle.reset()
    for fault in settings.faults:
        handle.add_fault(fault)
    request.node.stash[_HANDLE] = handle
    yield handle
    handle.close()
    # Errors from requests made while other fixtures tore down (the test's own are raised in its call).
    errors = handle.take_errors()
    if session is not None:
        if coverage is not None:
            coverage.harvest(app, session)
        app.sessions.delete(session)
    if errors:
        raise SandboxRaised.of(errors) from errors[0]


@pytest.fixture
def sandbox_server(sandbox: BaseHandle, sandbox_pool: SandboxPool) -> LiveSandbox:
    """The same sandbox on 127.0.0.1 and a free port (one server per session), for code taking a URL.

    With ``--sandbox-url``: the served sandbox itself (its clients and headers carry the session).
    """
    from mockserver.plugin import LiveSandbox, SandboxHandle
    from mockserver.plugin.remote import RemoteHandle

    if isinstance(sandbox, RemoteHandle):
        return LiveSandbox(sandbox.served, sandbox)
    assert isinstance(sandbox, SandboxHandle)
    return LiveSandbox(sandbox_pool.server(sandbox.app), sandbox)


@pytest.fixture
def webhook_receiver(sandbox: BaseHandle) -> Iterator[WebhookReceiver]:
    """A live local URL (127.0.0.1, a free port) registered for every API that sends webhooks.

    It collects the deliveries; ``webhook_receiver.wait_for(event="...", timeout=5)`` waits for one.
    """
    from mockserver.plugin import WebhookReceiver

    webhooks = sandbox.webhooks
    with WebhookReceiver() as receiver:
        for api in webhooks.events:
            webhooks.register(api, receiver.url)
        yield receiver
        for api in webhooks.events:
            webhooks.unregister(api, receiver.url)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail the test when the sandbox raised while answering its requests, showing the exception."""
    __tracebackhide__ = True
    try:
        result = yield
    except BaseException as failure:
        handle = item.stash.get(_HANDLE, None)
        if handle is not None:
            for error in handle.take_errors():
                failure.add_note(f"the sandbox also raised: {type(error).__name__}: {error}")
        raise
    handle = item.stash.get(_HANDLE, None)
    if handle is not None:
        errors = handle.take_errors()
        if errors:
            from mockserver.plugin import SandboxRaised

            raise SandboxRaised.of(errors) from errors[0]
    return result


def _served_sandbox(
    request: pytest.FixtureRequest, served: ServedSandbox, options: SandboxOptions, settings: MarkerSettings
) -> Iterator[BaseHandle]:
    """``sandbox`` with ``--sandbox-url``: the test's handle on the served sandbox, reset and with the
    marker's faults; its own session, deleted after it, when the marker isolates it."""
    from mockserver.plugin.remote import remote_handle

    handle = remote_handle(
        served,
        options,
        settings,
        run=request.config.stash[_RUN_ID],
        worker=os.environ.get("PYTEST_XDIST_WORKER"),
        nodeid=request.node.nodeid,
        cli_seed=request.config.getoption("sandbox_seed"),
    )
    request.node.stash[_HANDLE] = handle
    yield handle
    handle.close()
    if settings.isolated:
        handle.forget_session()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand the run's id to a worker, whose sessions are then ``<run id>-<worker>``."""
    node.workerinput[_WORKER_RUN_ID] = node.config.stash[_RUN_ID]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """With ``--sandbox-url``: reach the served sandbox now, so a wrong URL or token is one usage error."""
    config = session.config
    url = config.getoption("sandbox_url", None) or os.environ.get("LMS_SANDBOX_URL")
    if not url:
        return
    if config.getoption("sandbox_fixture", None):
        raise pytest.UsageError(
            "lms-sandbox: --sandbox-fixture seeds an in-process sandbox; the one at --sandbox-url is seeded "
            "by its own serve --fixture"
        )
    from mockserver.plugin.remote import ServedSandbox, Unreachable

    token = config.getoption("sandbox_control_token", None) or os.environ.get("LMS_SANDBOX_CONTROL_TOKEN")
    try:
        served = config.stash[_SERVED] = ServedSandbox.connect(url, token)
    except Unreachable as exc:
        raise pytest.UsageError(f"lms-sandbox: {exc}") from None
    coverage = config.stash.get(_COVERAGE, None)
    if coverage is not None:  # the served sessions' counts, kept before each reset and delete
        served.on_coverage = coverage.keep_served


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Delete the session this process used on the served sandbox (best effort: it expires anyway)."""
    served = session.config.stash.get(_SERVED, None)
    if served is None:
        return
    from mockserver.errors import SandboxError
    from mockserver.plugin.remote import run_session

    with contextlib.suppress(SandboxError, OSError):
        served.delete_session(
            run_session(session.config.stash[_RUN_ID], os.environ.get("PYTEST_XDIST_WORKER"))
        )
    served.close()
