"""A served sandbox reached over HTTP (``pytest --sandbox-url``): its control plane, and the handle on it.

Several test runs (CI jobs, xdist workers) can share one served sandbox, each in sessions of its own
(``X-Sandbox-Session``, ``mockserver.sessions``). ``ServedSandbox`` is the connection: the APIs and
credentials it serves (``GET /__sandbox__/apis``), its control plane with the token, sessions deleted.
``RemoteHandle`` is the ``sandbox`` fixture over it: what the control plane offers (reset, faults, clock,
journal, state export) works as in-process; what needs the store itself (``store``, ``factory``,
``data``, webhooks) raises ``InProcessOnly``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..app import ApiInfo, SpecInfo
from ..clock import ClockBase
from ..control import CONTROL_PREFIX
from ..errors import SandboxError
from ..exposure import TOKEN_HEADER
from ..journal import CallFilter, JournalEntry
from ..options import SandboxOptions
from ..sessions import HEADER as SESSION_HEADER
from ..store import Record, Store
from ..vendors import REGISTRY
from ..webhooks import Webhooks
from .handles import BaseHandle, VendorState
from .settings import MarkerSettings, session_of_test

__all__ = [
    "InProcessOnly",
    "RemoteClock",
    "RemoteHandle",
    "ServedSandbox",
    "Unreachable",
    "remote_handle",
    "run_session",
]

_TIMEOUT = 10.0


class InProcessOnly(SandboxError, NotImplementedError):
    """A feature that needs the sandbox's store in this process, asked of a served sandbox."""

    def __init__(self, what: str, url: str) -> None:
        super().__init__(
            f"{what} needs the in-process sandbox, and this run uses the served sandbox at {url} "
            f"(--sandbox-url / LMS_SANDBOX_URL): create and read records through the API's clients and "
            f"the state export, or run without --sandbox-url"
        )


class Unreachable(ConnectionError, SandboxError):
    """The served sandbox cannot be used: no answer, not a sandbox, or the control token refused."""


class ServedSandbox:
    """One served sandbox's control plane: its APIs and credentials, reset, sessions (token attached).

    It also stands for the server's address (``url``, ``host``, ``port``) in ``sandbox_server``.
    """

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Unreachable(
                f"--sandbox-url must be an http(s) URL such as http://127.0.0.1:8000, got {url!r}"
            )
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        headers = {TOKEN_HEADER: token} if token else {}
        self._client = httpx.Client(base_url=f"{self.url}{CONTROL_PREFIX}", headers=headers, timeout=_TIMEOUT)
        self._apis: dict[str, ApiInfo] | None = None
        self.seed = 0
        # Told of a session's coverage (its report's JSON) before a reset or a delete clears it, when the
        # run measures coverage (``pytest --sandbox-coverage``); None asks for nothing.
        self.on_coverage: Callable[[dict[str, Any]], None] | None = None

    @classmethod
    def connect(cls, url: str, token: str | None = None) -> ServedSandbox:
        """Check that ``url`` serves a sandbox whose control plane takes ``token``; read its APIs."""
        served = cls(url, token)
        try:
            answer = served._client.get("/apis")
            health = served._client.get("/health")
        # Whatever stops the request (any transport layer's error) means the same: not reachable.
        except Exception as exc:
            served.close()
            raise Unreachable(
                f"cannot reach the sandbox at {served.url} ({type(exc).__name__}: {exc}); start it "
                "(lms-sandbox serve, or its image) or fix --sandbox-url / LMS_SANDBOX_URL"
            ) from None
        if answer.status_code == 401:
            served.close()
            given = "a wrong control token" if token else "no control token"
            raise Unreachable(
                f"the sandbox at {served.url} refused {given}: pass the one it was started with "
                "(--sandbox-control-token, or LMS_SANDBOX_CONTROL_TOKEN)"
            )
        if answer.status_code != 200 or not isinstance(_json(answer), list):
            served.close()
            raise Unreachable(
                f"{served.url} does not answer as an lms-sandbox: GET {CONTROL_PREFIX}/apis gave "
                f"{answer.status_code}"
            )
        served._apis = served._read_apis(answer.json())
        if health.status_code == 200:
            served.seed = int(health.json().get("seed", 0))
        return served

    def _read_apis(self, listed: list[dict[str, Any]]) -> dict[str, ApiInfo]:
        found: dict[str, ApiInfo] = {}
        for item in listed:
            vendor = REGISTRY.get(item["name"])
            if vendor is None:
                continue  # an API this process has no descriptor for: no credentials to send
            found[vendor.name] = ApiInfo(
                name=vendor.name,
                title=item["title"],
                prefix=item["prefix"],
                specs=tuple(
                    SpecInfo(
                        file=s["file"],
                        base_path=urlsplit(s["base_url"]).path,
                        spec_url=urlsplit(s["spec_url"]).path,
                        docs_url=urlsplit(s["docs_url"]).path,
                    )
                    for s in item["specs"]
                ),
                vendor=vendor,
                credentials=tuple(vendor.credentials.parse(c) for c in item["credentials"]),
            )
        return found

    @property
    def apis(self) -> Mapping[str, ApiInfo]:
        if self._apis is None:
            self._apis = self._read_apis(self.control("GET", "/apis").json())
        return self._apis

    def control(self, method: str, path: str, session: str | None = None, **kwargs: Any) -> httpx.Response:
        """A control-plane request (in ``session``); an error answer raises, with the problem's detail."""
        headers = {SESSION_HEADER: session} if session else {}
        answer = self._client.request(method, path, headers=headers, **kwargs)
        if answer.status_code >= 400:
            detail = answer.text
            if answer.headers.get("content-type", "").endswith("json"):
                detail = str(answer.json().get("detail", detail))
            raise SandboxError(f"{method} {CONTROL_PREFIX}{path} answered {answer.status_code}: {detail}")
        return answer

    def sessions(self) -> list[str]:
        """The names of the live sessions."""
        return [s["name"] for s in self.control("GET", "/sessions").json()["sessions"]]

    def keep_coverage(self, session: str | None) -> None:
        """Hand ``session``'s coverage so far to ``on_coverage`` (before whatever clears it)."""
        if self.on_coverage is not None:
            self.on_coverage(self.control("GET", "/coverage", session).json())

    def delete_session(self, name: str) -> None:
        """Forget session ``name`` (nothing when it is gone already), its coverage kept first."""
        if self.on_coverage is not None and name in self.sessions():
            self.keep_coverage(name)
        answer = self._client.delete(f"/sessions/{quote(name)}")
        if answer.status_code not in (204, 404):
            raise SandboxError(f"deleting session {name!r} answered {answer.status_code}: {answer.text}")

    def close(self) -> None:
        self._client.close()


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _iso(at: float) -> str:
    return datetime.fromtimestamp(float(at), UTC).isoformat()


class RemoteClock(ClockBase):
    """A session's clock on a served sandbox: each reading and move a control-plane call."""

    def __init__(self, served: ServedSandbox, session: str | None) -> None:
        self._served = served
        self._session = session

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        answer = self._served.control(method, path, self._session, json=body)
        read: dict[str, Any] = answer.json()
        return read

    def now(self) -> float:
        return float(self._call("GET", "/clock")["epoch"])

    @property
    def frozen(self) -> bool:
        return bool(self._call("GET", "/clock")["frozen"])

    def freeze(self, at: float | None = None) -> None:
        self._call("PUT", "/clock", {"frozen": True} if at is None else {"frozen": True, "now": _iso(at)})

    def unfreeze(self) -> None:
        self._call("PUT", "/clock", {"frozen": False})

    def set(self, at: float) -> None:
        self._call("PUT", "/clock", {"now": _iso(at)})

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> float:
        moved = {"seconds": seconds, "minutes": minutes, "hours": hours, "days": days}
        return float(self._call("POST", "/clock/advance", moved)["epoch"])

    def reset(self) -> None:
        self._call("DELETE", "/clock")

    def to_json(self) -> dict[str, Any]:
        return self._call("GET", "/clock")


class RemoteJournal:
    """A session's journal on a served sandbox, read through ``GET /__sandbox__/journal``."""

    def __init__(self, served: ServedSandbox, session: str | None) -> None:
        self._served = served
        self._session = session

    def matching(self, where: CallFilter | None = None, /, **fields: Any) -> list[JournalEntry]:
        where = where or CallFilter(**fields)
        query = {
            name: value
            for name, value in (
                ("api", where.api),
                ("method", where.method.upper() if where.method else None),
                ("path", where.path),
                ("status", where.status),
                ("operation_id", where.operation_id),
                ("kind", where.kind),
            )
            if value is not None
        }
        listed = self._served.control("GET", "/journal", self._session, params=query).json()["entries"]
        return [e for e in (JournalEntry(**item) for item in listed) if where.matches(e)]

    def entries(self, *, limit: int | None = None, **where: Any) -> list[JournalEntry]:
        found = self.matching(**where)
        return found[-limit:] if limit else found


class RemoteVendorState(VendorState):
    """``VendorState`` read from a served sandbox's state export, fresh on every read."""

    def __init__(
        self, served: ServedSandbox, session: str | None, api: str, known: Sequence[str] = ()
    ) -> None:
        self._served = served
        self._session = session
        self._api = api
        self._known = tuple(known)

    def _collections(self) -> dict[str, dict[str, Record]]:
        exported = self.export()
        found: dict[str, dict[str, Record]] = {name: {} for name in self._known}
        found.update(exported.get("collections", {}))
        return found

    def __getitem__(self, collection: str) -> list[Record]:
        collections = self._collections()
        if collection not in collections:
            known = ", ".join(sorted(collections))
            raise KeyError(f"{self._api} has no collection {collection!r}; it has {known}")
        return list(collections[collection].values())

    def __iter__(self) -> Iterator[str]:
        return iter(self._collections())

    def __len__(self) -> int:
        return len(self._collections())

    def record(self, collection: str, rid: str) -> Record | None:
        return self._collections().get(collection, {}).get(rid)

    def export(self) -> dict[str, Any]:
        exported: dict[str, Any] = self._served.control("GET", f"/state/{self._api}", self._session).json()
        return exported


class RemoteHandle(BaseHandle):
    """The ``sandbox`` fixture on a served sandbox: every request in the test's session, over HTTP.

    ``seed`` is what a reset regenerates from: the test's (``--sandbox-seed``, the marker's) or the
    served sandbox's own. Exceptions inside the served sandbox cannot reach the test: a 500 is all it sees.
    """

    def __init__(self, served: ServedSandbox, options: SandboxOptions, session: str, seed: int) -> None:
        super().__init__(options, session)
        self.served = served
        self.url = served.url
        self._seed = seed
        self._clock = RemoteClock(served, session)

    def _in_process_only(self, what: str) -> InProcessOnly:
        return InProcessOnly(what, self.url)

    @property
    def apis(self) -> Mapping[str, ApiInfo]:
        return self.served.apis

    @property
    def store(self) -> Store:
        raise self._in_process_only("the sandbox's store (and a vendor's factory or data, which write it)")

    @property
    def journal(self) -> RemoteJournal:
        return RemoteJournal(self.served, self.session)

    @property
    def webhooks(self) -> Webhooks:
        raise self._in_process_only("webhooks (and webhook_receiver, which listens in this process)")

    @property
    def errors(self) -> list[BaseException]:
        return []

    @property
    def clock(self) -> RemoteClock:
        return self._clock

    @property
    def seed(self) -> int:
        return self._seed

    def reset(self, seed: int | None = None) -> None:
        self._seed = self._seed if seed is None else seed
        self.served.keep_coverage(self.session)
        self.served.control("POST", "/reset", self.session, json={"seed": self._seed})

    def fault(self, api: str, operation: str | None = None, **settings: Any) -> dict[str, Any]:
        self.api(api)  # a clear error for an API the served sandbox does not serve
        given = {name: value for name, value in settings.items() if value is not None}
        body = {"api": api, **({"operation": operation} if operation else {}), **given}
        added: dict[str, Any] = self.served.control("POST", "/faults", self.session, json=body).json()
        return added

    def vendor_state(self, api: str, known: Sequence[str] = ()) -> VendorState:
        self.api(api)
        return RemoteVendorState(self.served, self.session, api, known)

    def forget_session(self) -> None:
        """Delete this test's own session (after the test)."""
        if self.session is not None:
            self.served.delete_session(self.session)

    def _sync_client(self, base_url: str, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=base_url, **kwargs)

    def _async_client(self, base_url: str, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base_url, **kwargs)


def run_session(run: str, worker: str | None) -> str:
    """The session of one pytest run's worker on a served sandbox: ``<run id>-<worker>``."""
    return f"{run}-{worker or 'main'}"


def remote_handle(
    served: ServedSandbox,
    options: SandboxOptions,
    marker: MarkerSettings,
    *,
    run: str,
    worker: str | None,
    nodeid: str,
    cli_seed: int | None,
) -> RemoteHandle:
    """One test's handle on ``served``, reset and with the marker's faults in force: in the run's
    session, or a session of its own when the marker isolates it."""
    if marker.fixtures or marker.apis is not None:
        raise InProcessOnly("@pytest.mark.sandbox(fixture=..., apis=...)", served.url)
    own = run_session(run, worker)
    session = session_of_test(nodeid, own) if marker.isolated else own
    seed = next((s for s in (marker.seed, cli_seed) if s is not None), served.seed)
    handle = RemoteHandle(served, options, session, seed)
    handle.reset()
    for fault in marker.faults:
        handle.add_fault(fault)
    return handle
