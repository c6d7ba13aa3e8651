"""``create_app``: one ASGI app serving the selected vendors and the control plane."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, overload

from starlette.types import ASGIApp, Receive, Scope, Send

from . import _connexion  # (first: Connexion imported with its warnings silenced)
from .asgi import route_path, send_json
from .building import Builder, Status
from .clock import SandboxClock
from .conformance import NonConformingState, check_state
from .control import CONTROL_PREFIX as CONTROL_PREFIX  # (re-exported: where the control plane is mounted)
from .control import build_control_app, render_problem
from .counters import Counters, Counting
from .coverage import Documented, Report, build_report
from .dashboard import Dashboard, render_dashboard
from .errors import FixtureError
from .faults import FaultMiddleware, Faults, FaultSpec, InvalidFault, parse_fault
from .index import ApiIndex, Routed
from .journal import Journal, JournalMiddleware
from .landing import Landing
from .options import SandboxOptions
from .redaction import Redactor, declared_names, scheme_names
from .routing import PrefixRouter
from .scenarios import load_scenario, scenarios_for
from .sessions import SessionLayer, Sessions, SessionState, active
from .statefile import StateFile
from .store import Seeder, Store, VendorData
from .vendors import Vendor, get_vendor, load, vendor_names
from .vendors.base import VendorContext, build_vendor_app, load_specs
from .vendors.credentials import Credential, LoginScheme
from .vendors.refusals import refusal_cases
from .webhook_targets import WebhookPolicy
from .webhooks import Webhooks

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SpecInfo:
    """One OpenAPI document of an API: its file, the path its operations answer under, its URLs.

    ``base_path``, ``spec_url`` and ``docs_url`` are paths on the sandbox, the API's prefix included.
    """

    file: str
    base_path: str
    spec_url: str
    docs_url: str

    def to_json(self, base: str) -> dict[str, Any]:
        return {
            "file": self.file,
            "base_url": f"{base}{self.base_path}",
            "spec_url": f"{base}{self.spec_url}",
            "docs_url": f"{base}{self.docs_url}",
        }


@dataclass(frozen=True, slots=True)
class ApiInfo:
    """Where one API is served and how to authenticate against it.

    ``spec_url``/``docs_url`` are those of the API's main spec; ``specs`` lists every document
    (an API such as DfE's serves several under one prefix). ``credentials`` are the accepted ones
    (field -> value); ``headers`` carry the first of them where the vendor takes credentials in
    headers, and ``client_headers`` are the other headers its clients send (a version header).
    """

    name: str
    title: str
    prefix: str
    specs: tuple[SpecInfo, ...]
    vendor: Vendor
    credentials: tuple[Credential, ...]

    @property
    def headers(self) -> dict[str, str]:
        return self.vendor.credentials.headers(self.credentials[0])

    @property
    def client_headers(self) -> dict[str, str]:
        return dict(self.vendor.client_headers)

    @property
    def spec_url(self) -> str:
        return self.specs[0].spec_url

    @property
    def docs_url(self) -> str:
        return self.specs[0].docs_url

    def to_json(self, base_url: str = "") -> dict[str, Any]:
        base = base_url.rstrip("/")
        return {
            "name": self.name,
            "title": self.title,
            "prefix": self.prefix,
            "base_url": f"{base}{self.prefix}",
            "spec_url": f"{base}{self.spec_url}",
            "docs_url": f"{base}{self.docs_url}",
            "specs": [spec.to_json(base) for spec in self.specs],
            "credentials": [self.vendor.credentials.format(c) for c in self.credentials],
            "auth": self.vendor.credentials.describe(self.credentials[0]),
            "headers": self.headers,
            "client_headers": self.client_headers,
            "formats": list(self.vendor.formats),
            "actions": [
                {
                    "name": a.name,
                    "method": a.method,
                    "summary": a.summary,
                    "url": f"{base}{action_path(self.name, a.name)}",
                }
                for a in self.vendor.actions
            ],
            "webhook_events": list(self.vendor.webhook_events),
        }


def action_path(api: str, action: str) -> str:
    """Where a vendor's own control-plane action answers."""
    return f"{CONTROL_PREFIX}/apis/{api}/actions/{action}"


def _seeder(vendor: Vendor, scenario: dict[str, Any]) -> Seeder:
    seed_with = load(vendor.seed)

    def seed(data: VendorData) -> None:
        seed_with(data, scenario)

    return seed


def _credentials(vendor: Vendor, configured: tuple[Any, ...]) -> tuple[Credential, ...]:
    """The credentials ``vendor`` accepts: the configured ones (text or mappings), else its defaults."""
    scheme = vendor.credentials
    if not configured:
        return tuple(scheme.defaults)
    return tuple(scheme.parse(c) if isinstance(c, str) else scheme.check(c) for c in configured)


def _operation_names(vendor: Vendor, index: ApiIndex) -> frozenset[str]:
    """What a fault may name for ``vendor``: its operationIds and the calls they serve."""
    ids = index.operation_ids()
    return frozenset(ids) | frozenset(filter(None, map(vendor.call_of, ids)))


def _configured_faults(
    options: SandboxOptions, scenarios: dict[str, dict[str, Any]]
) -> tuple[FaultSpec, ...]:
    """The faults of the options, then those of each scenario (``faults:``, for the scenario's API)."""
    found = [parse_fault(f) if isinstance(f, str) else FaultSpec.from_json(f) for f in options.faults]
    for api, scenario in scenarios.items():
        listed = scenario.get("faults") or []
        if not isinstance(listed, list):
            raise FixtureError(f"the {api} scenario's 'faults' must be a list of faults")
        for item in listed:
            try:
                found.append(FaultSpec.from_json({"api": api, **item} if isinstance(item, dict) else item))
            except InvalidFault as exc:
                raise FixtureError(f"the {api} scenario has an invalid fault: {exc}") from None
    return tuple(found)


def _redactor(vendor: Vendor, index: ApiIndex) -> Redactor:
    """What the journal redacts of ``vendor``'s calls: its scheme's names, its documents' apiKey names."""
    scheme = vendor.credentials
    declared = declared_names(s for base in index.documents for s in index.security_schemes(base).values())
    logins = (
        [f"{mount.base_path}{scheme.login_path}" for mount in vendor.specs]
        if isinstance(scheme, LoginScheme)
        else []
    )
    return Redactor.of(scheme_names(scheme) | declared, logins)


def _trusting_proxies(app: ASGIApp, trusted: tuple[str, ...]) -> ASGIApp:
    """``app`` believing X-Forwarded-For/-Proto from the ``trusted`` peers only (uvicorn's own layer,
    here rather than in the server: in-process clients get the same rule, and uvicorn's default of
    trusting 127.0.0.1 is off)."""
    if not trusted:
        return app
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    # uvicorn types ASGI apps with its own, narrower TypedDicts: the same protocol.
    layer: Any = ProxyHeadersMiddleware(app, trusted_hosts=list(trusted))  # type: ignore[arg-type]
    return cast(ASGIApp, layer)


class Touching:
    """Notes in the store that a request reached ``api``: the next reset rewinds only what was used."""

    def __init__(self, app: ASGIApp, store: Callable[[], Store], api: str) -> None:
        self.app = app
        # The store of the request's session.
        self.store = store
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.store().touch(self.api)
        await self.app(scope, receive, send)


class _OfSession(Generic[T]):
    """A ``Sandbox`` attribute that is the request's session's (``Sandbox.state``'s attribute of its name)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, sandbox: None, owner: type) -> _OfSession[T]: ...
    @overload
    def __get__(self, sandbox: Sandbox, owner: type) -> T: ...
    def __get__(self, sandbox: Sandbox | None, owner: type) -> T | _OfSession[T]:
        return self if sandbox is None else cast(T, getattr(sandbox.state, self.name))


class Sandbox:
    """The ASGI app made by ``create_app``: vendors, control plane, store and journal together.

    ``store``, ``journal``, ``clock``, ``faults``, ``webhooks`` and ``errors`` are those of the request's
    session (``mockserver.sessions``), the default session's outside one (``default`` holds them);
    ``sessions.using(name)`` runs Python code in a session.

    With ``background``, each API's app is built later (``mockserver.building``: ``serve`` starts it
    once listening); everything a user's input decides is done here all the same.
    """

    store: _OfSession[Store] = _OfSession()
    journal: _OfSession[Journal] = _OfSession()
    clock: _OfSession[SandboxClock] = _OfSession()
    faults: _OfSession[Faults] = _OfSession()
    webhooks: _OfSession[Webhooks] = _OfSession()
    # Exceptions raised inside handlers, in order; the pytest plugin surfaces them in the test.
    errors: _OfSession[list[BaseException]] = _OfSession()

    def __init__(self, options: SandboxOptions, *, background: bool = False) -> None:
        self.options = options
        self.building = Builder()
        names = list(options.apis) or vendor_names()
        self.vendors: dict[str, Vendor] = {name: get_vendor(name) for name in names}
        scenarios = scenarios_for(
            {name: v.default_fixture for name, v in self.vendors.items()}, options.fixtures
        )
        # One clock per app, read by every time-dependent rule; a reset puts it back to real time.
        clock = SandboxClock()
        try:
            store = Store(
                {name: _seeder(v, scenarios[name]) for name, v in self.vendors.items()},
                seed=options.seed,
                clock=clock,
                check=check_state,
            )
        except NonConformingState as exc:
            given = [str(path) for path in options.fixtures if load_scenario(path)["api"] == exc.api]
            source = given[0] if given else f"the default scenario {self.vendors[exc.api].default_fixture}"
            raise FixtureError(f"{source} seeds a record the API could not serve: {exc}") from None
        store.on_reset(clock.reset)
        # Restored before anything is served; a file that is not ours stops the start, untouched.
        # It holds the default session's state only: sessions live in memory.
        self.state_file = (
            StateFile(options.state_file, store, options.state_sync) if options.state_file else None
        )
        if self.state_file is not None:
            self.state_file.open()
        journal = Journal(options.journal_size)
        # Registrations are configuration, not data: a reset keeps them.
        self._events = {name: v.webhook_events for name, v in self.vendors.items()}
        self._webhook_policy = WebhookPolicy.of(options.allow_webhook_hosts)
        webhooks = Webhooks(journal, self._events, options.webhooks, self._webhook_policy)
        store.on_event(webhooks.emit)
        # Faults from the options and the scenarios are re-armed by every reset; others are forgotten.
        # Filled in per API below, before the configured faults are checked against it.
        self._operations: dict[str, frozenset[str]] = {}
        faults = Faults(self._operations, seed=lambda: store.seed)
        store.on_reset(faults.reset)
        # The default session's state; each named session has its own (``mockserver.sessions``).
        # Its ``errors``: exceptions raised inside handlers, in order (the plugin fails the test with them).
        self.default = SessionState(store, journal, clock, faults, webhooks)
        self.sessions = Sessions(self._session_state, ttl=options.session_ttl, limit=options.session_limit)
        self.apis: dict[str, ApiInfo] = {}
        self.contexts: dict[str, VendorContext] = {}
        # The index of what is served (mockserver.landing) at /__sandbox__/, in front of the token; for a
        # browser, the dashboard (mockserver.dashboard).
        landing = Landing(build_control_app(self), self, ("", "/"), CONTROL_PREFIX, render_dashboard)
        control = Dashboard(landing, options.control_token)
        routes: list[tuple[str, ASGIApp]] = [(CONTROL_PREFIX, control)]
        self._renderers: list[tuple[str, Callable[..., dict[str, Any]]]] = []
        for name, vendor in self.vendors.items():
            credentials = _credentials(vendor, tuple(options.credentials.get(name, ())))
            specs = load_specs(vendor.specs)
            ctx = VendorContext(
                vendor,
                options,
                credentials,
                specs,
                ApiIndex(specs, ignore_case=vendor.ignore_case),
                self.default,
                self.sessions,
            )
            self.contexts[name] = ctx
            self._operations[name] = _operation_names(vendor, ctx.index)
            prefix = "" if options.root else vendor.prefix
            self.apis[name] = ApiInfo(
                name=name,
                title=vendor.title,
                prefix=prefix,
                specs=tuple(
                    SpecInfo(
                        file=mount.file,
                        base_path=f"{prefix}{mount.base_path}",
                        spec_url=f"{prefix}{mount.spec_route}",
                        docs_url=f"{prefix}{mount.docs_route}",
                    )
                    for mount in vendor.specs
                ),
                vendor=vendor,
                credentials=credentials,
            )
            built = (
                self.building.defer(name, functools.partial(build_vendor_app, ctx))
                if background
                else build_vendor_app(ctx)
            )
            render = load(vendor.edge_errors or vendor.errors)
            self._renderers.append((prefix, render))
            faulty = FaultMiddleware(
                Touching(built, self._current("store"), name),
                api=name,
                faults=self._current("faults"),
                call_of=vendor.call_of,
                render=render,
            )
            app = JournalMiddleware(
                faulty,
                api=name,
                journal=self._current("journal"),
                call_of=vendor.call_of,
                routed=_connexion.routed_operation_id,
                redactor=None if options.journal_secrets else _redactor(vendor, ctx.index),
                count=Counting(name, self._current("coverage"), ctx.index),
            )
            # The request's operation, found once, for every layer behind (mockserver.index).
            routes.append((prefix, Routed(app, ctx.index)))
        # Longest prefix first: the API a refused request was meant for answers in its own format.
        self._renderers.sort(key=lambda item: len(item[0]), reverse=True)
        router: ASGIApp = PrefixRouter(routes)
        # And at / too, unless an API is served there (--root).
        indexed = router if options.root else Landing(router, self, ("/",))
        # Exposed, opening a session needs the control token (unless open_sessions says anyone may).
        root = SessionLayer(
            indexed,
            self.sessions,
            self._refuse,
            prefixed=not options.root,
            token=None if options.open_sessions else options.control_token,
        )
        self._app: ASGIApp = _trusting_proxies(root, options.forwarded_allow_ips)
        faults.configure(_configured_faults(options, scenarios))

    def _session_state(self, name: str) -> SessionState:
        """Session ``name``'s state: a fork of the seeded state, its own journal, clock, faults, webhooks."""
        clock = SandboxClock()
        store = self.default.store.fork(self.options.seed, clock, name)
        journal = Journal(self.options.journal_size, session=name)
        webhooks = Webhooks(journal, self._events, self.options.webhooks, self._webhook_policy)
        store.on_event(webhooks.emit)
        faults = Faults(self._operations, seed=lambda: store.seed, configured=self.default.faults.configured)
        # Counts a reset forgets go where the default session's go (the pytest plugin's report).
        state = SessionState(
            store, journal, clock, faults, webhooks, coverage=Counters(self.default.coverage.spill)
        )
        store.on_reset(clock.reset)
        store.on_reset(faults.reset)
        store.on_reset(state.locals.clear)
        return state

    async def _refuse(
        self, scope: Scope, send: Send, status: int, message: str, headers: dict[str, str]
    ) -> None:
        """A request refused before its session could be opened, answered in its API's error format."""
        path = route_path(scope)
        for prefix, render in self._renderers:
            owned = path == prefix or path.startswith(prefix + "/")
            if owned if prefix else not path.startswith(CONTROL_PREFIX):
                await send_json(send, status, render(status, message), headers)
                return
        await send_json(
            send, status, render_problem(status, message), headers, content_type="application/problem+json"
        )

    def _current(self, name: str) -> Callable[[], Any]:
        """What gives attribute ``name`` of the request's session's state (one check on the default path)."""
        default = self.default

        def current() -> Any:
            return getattr(default, name) if active() is None else getattr(self.state, name)

        return current

    @property
    def state(self) -> SessionState:
        """The state of the request's session (``mockserver.sessions``); the default one outside any."""
        session = active()
        return self.default if session is None or session.owner is not self.sessions else session.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    def reset(self, seed: int | None = None) -> None:
        """Every API's data back to its seeded state (``seed`` if given); journal cleared, clock real."""
        self.store.reset(seed)
        self.journal.clear()
        self.errors.clear()
        self.state.coverage.clear()

    @functools.cached_property
    def documented(self) -> dict[str, Documented]:
        """What each API documents, for coverage: its operations and the ways its edge refuses."""
        return {
            name: Documented(ctx.vendor.title, ctx.index, refusal_cases(ctx))
            for name, ctx in self.contexts.items()
        }

    def coverage(self) -> Report:
        """Consumer coverage of the request's session (``mockserver.coverage``): since the start or reset."""
        return build_report(self.documented, self.state.coverage.snapshot())

    def save_state(self) -> None:
        """Write to the state file, if there is one, what it does not hold yet (every answer already did)."""
        if self.state_file is not None:
            self.state_file.save()

    def wake(self) -> None:
        """End the journal long polls of every session now: a stopping server waits for none of them."""
        self.default.journal.wake()
        self.sessions.wake()

    def close(self) -> None:
        """Finish the webhook deliveries under way and stop their threads; close the state file."""
        self.sessions.close()
        self.default.webhooks.close()
        if self.state_file is not None:
            self.state_file.close()

    def readiness(self) -> Status:
        """Which APIs' apps are built (all, unless built in the background and not yet done)."""
        return self.building.status(list(self.apis))

    def api_list(self, base_url: str = "") -> list[dict[str, Any]]:
        return [info.to_json(base_url) for info in self.apis.values()]


def create_app(options: SandboxOptions | None = None, **overrides: Any) -> Sandbox:
    """Build a sandbox app.

    Args:
        options: the options; ``SandboxOptions()`` (every API, seed 0) when omitted.
        overrides: fields of ``SandboxOptions`` to set, e.g. ``create_app(seed=7, apis=("apprentiscope",))``.

    Example:
        >>> import httpx
        >>> app = create_app(seed=1, apis=("apprentiscope",))
        >>> client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox")
    """
    return Sandbox(dataclasses.replace(options or SandboxOptions(), **overrides))
