"""What the ``sandbox`` and ``<vendor>_sandbox`` fixtures give a test."""

from __future__ import annotations

import abc
import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import httpx

from ..app import ApiInfo, Sandbox
from ..clock import ClockBase, SandboxClock
from ..errors import SandboxError, UnknownApi
from ..faults import FaultSpec, parse_fault
from ..journal import Journal
from ..options import SandboxOptions
from ..sessions import HEADER as SESSION_HEADER
from ..sessions import SessionState
from ..store import Record, Store, VendorData
from ..testing import async_client, sync_client
from ..vendors import REGISTRY, load
from ..vendors.credentials import SendFields, SignedAuth
from ..webhooks import Webhooks
from .calls import JournalAssertions, JournalView

IN_PROCESS_URL = "http://sandbox"

F = TypeVar("F")
# A vendor's factory class: built from the store (for its lock) and the vendor's data. A class
# attribute COLLECTIONS, when present, names the collections ``state`` knows before they hold records.
Factory = Callable[[Store, VendorData], F]


class SandboxRaised(SandboxError, RuntimeError):
    """Code inside the sandbox raised while answering a request made during the test."""

    @classmethod
    def of(cls, errors: Sequence[BaseException]) -> SandboxRaised:
        listed = "; ".join(f"{type(e).__name__}: {e}" for e in errors)
        noun = "an exception" if len(errors) == 1 else f"{len(errors)} exceptions"
        return cls(
            f"the sandbox raised {noun} while answering requests made by this test (the client saw a 500): "
            f"{listed}"
        )


class NotServed(LookupError, SandboxError):
    """A known API that this test's sandbox does not serve."""

    def __init__(self, name: str, served: list[str]) -> None:
        super().__init__(
            f"API {name!r} is not served by this test's sandbox (it serves {', '.join(served)}); "
            f"add it to apis in @pytest.mark.sandbox or sandbox_options"
        )
        self.name = name


class VendorState(Mapping[str, list[Record]]):
    """Read-only view of one API's data, to check what the code under test did.

    ``state["users"]`` is a copy of every record of that collection, oldest first.
    """

    def __init__(self, store: Store, api: str, known: Sequence[str] = ()) -> None:
        self._store = store
        self._api = api
        # Collections the vendor declares exist even before a record is stored in them.
        self._known = tuple(known)

    def _data(self) -> VendorData:
        return self._store.vendor(self._api)

    def _names(self) -> list[str]:
        return list(dict.fromkeys([*self._known, *self._data().collections]))

    def __getitem__(self, collection: str) -> list[Record]:
        with self._store.locked():
            if collection not in self._names():
                known = ", ".join(sorted(self._names()))
                raise KeyError(f"{self._api} has no collection {collection!r}; it has {known}")
            records = self._data().collections.get(collection, {})
            return copy.deepcopy(list(records.values()))

    def __iter__(self) -> Iterator[str]:
        with self._store.locked():
            return iter(self._names())

    def __len__(self) -> int:
        with self._store.locked():
            return len(self._names())

    def record(self, collection: str, rid: str) -> Record | None:
        """A copy of record ``rid`` of ``collection``, or None."""
        with self._store.locked():
            found = self._data().collections.get(collection, {}).get(rid)
            return copy.deepcopy(found) if found is not None else None

    def find(self, collection: str, **fields: Any) -> list[Record]:
        """Copies of the records of ``collection`` whose fields equal every one given."""
        return [r for r in self[collection] if all(k in r and r[k] == v for k, v in fields.items())]

    def export(self) -> dict[str, Any]:
        """The API's whole state, as ``GET /__sandbox__/state/{api}`` answers it."""
        return self._store.export(self._api)


class BaseHandle(JournalAssertions, abc.ABC):
    """What the ``sandbox`` fixture gives a test, whichever sandbox it reaches: URLs, credentials, clients,
    reset, faults, clock and journal.

    ``SandboxHandle`` acts on the session's in-process app; ``RemoteHandle`` (``mockserver.plugin.remote``)
    on a served sandbox over HTTP. Subclasses provide the state and transport below; the rest is shared.
    """

    url: str

    def __init__(self, options: SandboxOptions, session: str | None = None) -> None:
        self.options = options
        self.session = session
        self._closers: list[Callable[[], None]] = []
        # One auth per API for the test: its clients and ``headers`` share a login token.
        self._auths: dict[str, httpx.Auth] = {}

    # what each kind of sandbox provides
    @property
    @abc.abstractmethod
    def apis(self) -> Mapping[str, ApiInfo]: ...

    @property
    @abc.abstractmethod
    def store(self) -> Store: ...

    @property
    @abc.abstractmethod
    def journal(self) -> JournalView: ...

    @property
    @abc.abstractmethod
    def webhooks(self) -> Webhooks: ...

    @property
    @abc.abstractmethod
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the sandbox since the last reset (each answered with a 500)."""

    @property
    @abc.abstractmethod
    def clock(self) -> ClockBase:
        """The sandbox clock: ``sandbox.clock.advance(hours=4)`` instead of sleeping (reset per test)."""

    @property
    @abc.abstractmethod
    def seed(self) -> int: ...

    @abc.abstractmethod
    def reset(self, seed: int | None = None) -> None:
        """Regenerate every API's data (from this test's seed unless given) and clear the journal."""

    @abc.abstractmethod
    def fault(self, api: str, operation: str | None = None, **settings: Any) -> dict[str, Any]:
        """Put a fault in force for the rest of this test; returns it as the control plane lists it.

        ``settings`` are the control plane's fault fields: ``kind``, ``status``, ``retry_after``,
        ``latency_ms``, ``jitter_ms``, ``probability``, ``times`` (``kind`` follows from ``status`` or
        ``latency_ms``). Example: ``sandbox.fault("apprentiscope", "readUser", status=503, times=2)``.
        """

    @abc.abstractmethod
    def vendor_state(self, api: str, known: Sequence[str] = ()) -> VendorState:
        """Read-only copies of ``api``'s collections (``VendorSandbox.state``)."""

    @abc.abstractmethod
    def _sync_client(self, base_url: str, **kwargs: Any) -> httpx.Client: ...

    @abc.abstractmethod
    def _async_client(self, base_url: str, **kwargs: Any) -> httpx.AsyncClient: ...

    # shared
    @property
    def session_headers(self) -> dict[str, str]:
        """The header putting a request in this test's session (none without one)."""
        return {} if self.session is None else {SESSION_HEADER: self.session}

    def api(self, name: str) -> ApiInfo:
        """Where API ``name`` is served and its credentials; ``LookupError`` if it is not served."""
        try:
            return self.apis[name]
        except KeyError:
            if name in REGISTRY:
                raise NotServed(name, list(self.apis)) from None
            raise UnknownApi(name, list(REGISTRY)) from None

    def base_url(self, api: str) -> str:
        """The base URL of ``api``, e.g. ``http://sandbox/apprentiscope`` in-process."""
        return f"{self.url}{self.api(api).prefix}"

    def headers(self, api: str) -> dict[str, str]:
        """A working set of headers for one call to ``api``: its first credential and its client headers.

        Fresh on each call: the login token ``auth(api)`` holds (logging in if it has none, so neither
        revokes the other), a newly signed token where the vendor wants one per request (single-use),
        keys in the vendor's headers where it takes them there. Good for one call; for more, or for a
        token that renews itself, use ``auth(api)`` or ``client(api)``.
        """
        info = self.api(api)
        auth = self.auth(api)
        if not isinstance(auth, SendFields | SignedAuth):
            return {**info.client_headers, **info.headers, **self.session_headers}
        origin = self.base_url(api)
        with self._sync_client(origin) as client:

            def send(request: httpx.Request) -> httpx.Response:
                # A login is the session's: its token is unknown elsewhere.
                request.headers.update(self.session_headers)
                return client.send(request)

            return {**info.client_headers, **auth.call_headers(send, origin), **self.session_headers}

    def credentials(self, api: str) -> tuple[str, ...]:
        """The credentials ``api`` accepts, as ``serve --credential`` takes them."""
        info = self.api(api)
        return tuple(info.vendor.credentials.format(c) for c in info.credentials)

    def auth(self, api: str) -> httpx.Auth:
        """The ``httpx.Auth`` sending ``api``'s first credential the way the vendor takes it.

        Logs in first where the vendor hands out tokens (and again when refused), and signs a token per
        request where it wants signed ones (dated on the sandbox clock). One per API for the test:
        this handle's clients, ``headers(api)`` and ``sandbox_server``'s share it, so they share one
        login token (a second login would revoke the first).
        """
        found = self._auths.get(api)
        if found is None:
            info = self.api(api)
            # The login path alone: it goes to whichever host the request does (in-process or live).
            found = info.vendor.credentials.auth(info.credentials[0], clock=self.clock, base_url=info.prefix)
            self._auths[api] = found
        return found

    def add_fault(self, fault: str | Mapping[str, Any]) -> dict[str, Any]:
        """Put a fault in force from its compact form (``serve --fault``) or its mapping of fields."""
        spec = parse_fault(fault) if isinstance(fault, str) else FaultSpec.from_json(fault)
        return self.fault(
            spec.api,
            spec.operation,
            **{k: v for k, v in spec.to_json().items() if k not in ("api", "operation")},
        )

    def take_errors(self) -> list[BaseException]:
        """The sandbox's exceptions so far, cleared so they do not fail the test."""
        errors = list(self.errors)
        self.errors.clear()
        return errors

    # clients
    def client(
        self, api: str | None = None, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Client:
        """An ``httpx.Client`` for ``api`` (credentials attached), or for the whole sandbox.

        Closed when the test ends.
        """
        base, sent, auth = self._client_setup(api, headers)
        client = self._sync_client(base, headers=sent, auth=auth, **kwargs)
        self._closers.append(client.close)
        return client

    def async_client(
        self, api: str | None = None, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` for ``api`` (credentials attached), or the whole sandbox."""
        base, sent, auth = self._client_setup(api, headers)
        return self._async_client(base, headers=sent, auth=auth, **kwargs)

    def _client_setup(
        self, api: str | None, headers: Mapping[str, str] | None
    ) -> tuple[str, dict[str, str], httpx.Auth | None]:
        if api is None:
            return self.url, {**self.session_headers, **(headers or {})}, None
        # Headers a test gives win over the vendor's defaults and credentials. Credentials that are
        # plain headers are set on the client; any other kind is added per request by an auth.
        info = self.api(api)
        sent = {**info.headers, **info.client_headers, **self.session_headers, **(headers or {})}
        auth = None if info.vendor.credentials.headers_only else self.auth(api)
        return self.base_url(api), sent, auth

    def vendor(
        self,
        name: str,
        *,
        factory: Factory[F] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> VendorSandbox[F]:
        """The handle of one API: clients with credentials (plus ``headers``), ``factory``, ``state``.

        ``factory`` defaults to the one the vendor's descriptor names.
        """
        info = self.api(name)
        if factory is None and info.vendor.factory is not None:
            factory = load(info.vendor.factory)
        return VendorSandbox(self, name, factory=factory, headers=headers)

    def close(self) -> None:
        closers, self._closers = self._closers, []
        for close in closers:
            close()

    # journal assertions over every API
    def _journal_scope(self) -> tuple[JournalView, str | None, str]:
        return self.journal, None, ""

    def _served_apis(self) -> Sequence[str]:
        return list(self.apis)


class SandboxHandle(BaseHandle):
    """The session's sandbox app for one test: reset to its seed before the test, clients closed after.

    In-process URLs (``http://sandbox/...``) work only with this sandbox's clients or transport;
    ``sandbox_server`` gives real ones. With ``session``, the test has a session of its own
    (``mockserver.sessions``): its clients send ``X-Sandbox-Session``, and the store, journal, clock,
    faults, webhooks and errors here are that session's.
    """

    url = IN_PROCESS_URL

    def __init__(self, app: Sandbox, options: SandboxOptions, session: str | None = None) -> None:
        super().__init__(options, session)
        self.app = app

    @property
    def state(self) -> SessionState:
        """The state this test acts on: its session's, or the default one."""
        return self.app.default if self.session is None else self.app.sessions.open(self.session).state

    @property
    def apis(self) -> Mapping[str, ApiInfo]:
        return self.app.apis

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def journal(self) -> Journal:
        return self.state.journal

    @property
    def webhooks(self) -> Webhooks:
        return self.state.webhooks

    @property
    def errors(self) -> list[BaseException]:
        return self.state.errors

    @property
    def seed(self) -> int:
        return self.store.seed

    @property
    def clock(self) -> SandboxClock:
        return self.state.clock

    def reset(self, seed: int | None = None) -> None:
        using = self.app.sessions.using(self.session) if self.session else contextlib.nullcontext()
        with using:
            self.app.reset(self.options.seed if seed is None else seed)

    def fault(self, api: str, operation: str | None = None, **settings: Any) -> dict[str, Any]:
        self.api(api)  # a clear error for an API this test's sandbox does not serve
        spec = FaultSpec.from_json({"api": api, "operation": operation, **settings})
        return self.state.faults.add(spec).to_json()

    def vendor_state(self, api: str, known: Sequence[str] = ()) -> VendorState:
        return VendorState(self.store, api, known)

    def _sync_client(self, base_url: str, **kwargs: Any) -> httpx.Client:
        return sync_client(self.app, base_url=base_url, **kwargs)

    def _async_client(self, base_url: str, **kwargs: Any) -> httpx.AsyncClient:
        return async_client(self.app, base_url=base_url, **kwargs)


class VendorSandbox(JournalAssertions, Generic[F]):
    """One API of the sandbox for a test: ready clients, a factory, its state and its calls.

    ``client`` and ``async_client`` are made on first use, with the base URL and credentials set;
    ``path=`` in journal assertions is relative to the API's base URL.
    """

    def __init__(
        self,
        sandbox: BaseHandle,
        name: str,
        *,
        factory: Factory[F] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.name = name
        self._factory_type = factory
        self._factory: F | None = None
        self._extra_headers = dict(headers or {})
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    @property
    def info(self) -> ApiInfo:
        return self.sandbox.api(self.name)

    def fault(self, operation: str | None = None, **settings: Any) -> dict[str, Any]:
        """Put a fault on this API (or one operation of it) for the rest of the test.

        Example: ``apprentiscope_sandbox.fault("readUser", status=503, times=2)``; the settings are
        ``SandboxHandle.fault``'s.
        """
        return self.sandbox.fault(self.name, operation, **settings)

    @property
    def base_url(self) -> str:
        """The base URL, e.g. ``http://sandbox/apprentiscope`` in-process."""
        return self.sandbox.base_url(self.name)

    @property
    def headers(self) -> dict[str, str]:
        """A working set of headers for one call (``SandboxHandle.headers``), with this handle's own."""
        return {**self.sandbox.headers(self.name), **self._extra_headers}

    @property
    def credentials(self) -> tuple[str, ...]:
        return self.sandbox.credentials(self.name)

    @property
    def auth(self) -> httpx.Auth:
        """This API's ``httpx.Auth`` for the test, for a client of your own (e.g. one with a real URL)."""
        return self.sandbox.auth(self.name)

    @property
    def clock(self) -> ClockBase:
        return self.sandbox.clock

    @property
    def client(self) -> httpx.Client:
        """An ``httpx.Client`` at the API's base URL with credentials attached."""
        if self._client is None:
            self._client = self.sandbox.client(self.name, headers=self._extra_headers)
        return self._client

    @property
    def async_client(self) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` at the API's base URL with credentials attached."""
        if self._async_client is None:
            self._async_client = self.sandbox.async_client(self.name, headers=self._extra_headers)
        return self._async_client

    @property
    def data(self) -> VendorData:
        """The API's live data (mutable; prefer ``factory`` to add and ``state`` to read)."""
        return self.sandbox.store.vendor(self.name)

    @property
    def state(self) -> VendorState:
        """Read-only copies of the API's collections, e.g. ``state["users"]``."""
        known = getattr(self._factory_type, "COLLECTIONS", ())
        return self.sandbox.vendor_state(self.name, known)

    @property
    def factory(self) -> F:
        """Creates records the way the API would return them (see the vendor's ``factory`` module)."""
        if self._factory_type is None:
            raise AttributeError(f"{self.name} has no factory; create its records through its client")
        if self._factory is None:
            self._factory = self._factory_type(self.sandbox.store, self.data)
        return self._factory

    def _journal_scope(self) -> tuple[JournalView, str | None, str]:
        return self.sandbox.journal, self.name, self.info.prefix

    def __repr__(self) -> str:
        return f"<VendorSandbox {self.name} at {self.base_url}>"
