"""The control plane under ``/__sandbox__``: health, APIs, reset, state, journal, clock, vendor actions.

It is not part of any vendor contract and has its own spec, ``specs/sandbox.yaml``.
"""

from __future__ import annotations

import http
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import connexion
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from starlette.types import ASGIApp, Scope

from . import curls
from ._connexion import check_specs_once, validator_map
from .asgi import base_url, route_path, until_disconnected
from .bounds import Bounds, RequestBounds, UnlabelledBody
from .conformance import state_schema
from .errors import ClockOutOfRange, ModelError, SnapshotError, StateFileError, UnknownApi, UnknownSnapshot
from .excerpt import shorten
from .exposure import ControlToken
from .faults import FaultSpec, InvalidFault
from .index import ApiIndex, Routed
from .journal import CallFilter
from .specs import load_spec
from .vendors import load
from .vendors.base import Handler, check_operations
from .webhooks import InvalidWebhookUrl, NoWebhooks

if TYPE_CHECKING:
    from .building import Status
    from .clock import SandboxClock
    from .coverage import Report
    from .faults import Faults
    from .journal import Journal
    from .options import SandboxOptions
    from .sessions import Sessions
    from .store import Store
    from .vendors.base import VendorContext
    from .webhooks import Webhooks

CONTROL_SPEC = "sandbox.yaml"
# Where the root app mounts the control plane.
CONTROL_PREFIX = "/__sandbox__"
# Paths (under the control plane) that take whole APIs' state: the import limit applies, not the APIs'.
IMPORT_PATHS = ("/state", "/snapshots")


class ControlledApp(Protocol):
    """What the control plane needs of the app it controls (``mockserver.app.Sandbox`` is one)."""

    options: SandboxOptions
    contexts: dict[str, VendorContext]
    sessions: Sessions

    # The request's session's (``mockserver.sessions``).
    @property
    def store(self) -> Store: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def clock(self) -> SandboxClock: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def webhooks(self) -> Webhooks: ...

    # Read only: the control plane names the APIs served, whatever the app keeps of each.
    @property
    def apis(self) -> Mapping[str, object]: ...

    def reset(self, seed: int | None = None) -> None: ...
    def coverage(self) -> Report: ...
    def readiness(self) -> Status: ...
    def api_list(self, base_url: str = "") -> list[dict[str, Any]]: ...


Reply = tuple[Any, int, dict[str, str]]


def _json(body: Any, status: int = 200) -> Reply:
    # Operations that also document problem+json errors need the content type named explicitly.
    return body, status, {"Content-Type": "application/json"}


def _problem(status: int, title: str, detail: str) -> Reply:
    # An import's error may quote a record's value: a long one is cut to an excerpt.
    body = {"type": "about:blank", "title": title, "status": status, "detail": shorten(detail)}
    return body, status, {"Content-Type": "application/problem+json"}


def render_problem(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """The control plane's error body (RFC 9457 problem details), titled by the status."""
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {"type": "about:blank", "title": title, "status": status, "detail": shorten(message)}


class ControlHandlers:
    """Handlers for the control-plane operations, bound to one sandbox."""

    def __init__(self, sandbox: ControlledApp) -> None:
        self.sandbox = sandbox

    def _base_url(self) -> str:
        return base_url(connexion.request.scope, CONTROL_PREFIX)

    def health(self) -> Reply:
        store = self.sandbox.store
        readiness = self.sandbox.readiness()
        body: dict[str, Any] = {"status": "ok", "seed": store.seed, "apis": store.apis}
        body["ready"] = list(readiness.ready)
        if readiness.all_ready:
            return _json(body)
        # Up, but not every API answers yet: a 503 a readiness probe waits on (mockserver.building).
        body["status"] = "failed" if readiness.failed else "starting"
        body["building"] = list(readiness.building)
        if readiness.failed:
            body["failed"] = readiness.failed
        reply, status, headers = _json(body, 503)
        return reply, status, {**headers, "Retry-After": "1"}

    def list_apis(self) -> Reply:
        return _json(self.sandbox.api_list(self._base_url()))

    def reset(self, body: Any = None) -> Reply:
        # With no body (plain `curl -X POST`), connexion passes its default as raw bytes.
        seed = body.get("seed") if isinstance(body, dict) else None
        self.sandbox.reset(seed)
        return _json({"seed": self.sandbox.store.seed, "apis": self.sandbox.store.apis})

    def export_state(self, api: str) -> Reply:
        try:
            return _json(self.sandbox.store.export(api))
        except UnknownApi as exc:
            return _problem(404, "Unknown API", str(exc))

    def import_state(self, api: str, body: dict[str, Any]) -> Reply:
        try:
            self.sandbox.store.import_(api, body)
        except UnknownApi as exc:
            return _problem(404, "Unknown API", str(exc))
        except SnapshotError as exc:
            return _problem(400, "Invalid state", str(exc))
        # Counted in place: exporting (a deep copy) 100k imported records just to count them is slow.
        store = self.sandbox.store
        with store.locked():
            counts = {name: len(records) for name, records in store.vendor(api).collections.items()}
        return _json({"api": api, "collections": counts})

    def state_schema(self, api: str) -> Reply:
        if api not in self.sandbox.store.apis:
            return _problem(404, "Unknown API", str(UnknownApi(api, self.sandbox.store.apis)))
        return _json(state_schema(api))

    # named snapshots

    def list_snapshots(self) -> Reply:
        return _json({"snapshots": self.sandbox.store.snapshots()})

    def save_snapshot(self, body: dict[str, Any]) -> Reply:
        apis = body.get("apis")
        try:
            saved = self.sandbox.store.save_snapshot(str(body.get("name", "")), apis)
        except UnknownApi as exc:
            return _problem(404, "Unknown API", str(exc))
        except SnapshotError as exc:
            return _problem(400, "Invalid snapshot", str(exc))
        return _json(saved, 201)

    def restore_snapshot(self, name: str) -> Reply:
        try:
            return _json(self.sandbox.store.restore_snapshot(name))
        except UnknownSnapshot as exc:
            return _problem(404, "Unknown snapshot", str(exc))
        except SnapshotError as exc:
            return _problem(400, "Invalid state", str(exc))

    def delete_snapshot(self, name: str) -> ConnexionResponse | Reply:
        try:
            self.sandbox.store.delete_snapshot(name)
        except UnknownSnapshot as exc:
            return _problem(404, "Unknown snapshot", str(exc))
        return ConnexionResponse(status_code=204)

    async def list_journal(
        self, limit: int | None = None, since: int | None = None, wait: float = 0.0, **where: Any
    ) -> Reply:
        # Connexion hands over the query's filters (api, method, path, status, operation_id, kind) by name.
        journal = self.sandbox.journal  # the request's session's, read before waiting
        receive = connexion.request.receive
        page = await journal.follow(
            CallFilter(**where), since or 0, wait, lambda: until_disconnected(receive)
        )
        found = page.entries
        # ``total`` counts every match (past ``since``); ``dropped`` the entries the bound pushed out since
        # the last clear (whether they matched is not known). Past a cursor the page is the oldest
        # ``limit`` matches, and the next poll goes on from its last; else the newest ``limit``.
        shown = (found[:limit] if since is not None else found[-limit:]) if limit else found
        cut = since is not None and len(shown) < len(found)
        return _json(
            {
                "total": len(found),
                "dropped": page.dropped,
                "capacity": journal.maxlen,
                "last_seq": page.last_seq,
                "next_since": shown[-1].seq if cut else page.last_seq,
                "epoch": page.epoch,
                "missed": page.missed,
                "entries": [e.to_json() for e in shown],
            }
        )

    def get_coverage(self) -> Reply:
        return _json(self.sandbox.coverage().to_json())

    def clear_journal(self) -> ConnexionResponse:
        self.sandbox.journal.clear()
        return ConnexionResponse(status_code=204)

    # the clock

    def get_clock(self) -> Reply:
        return _json(self.sandbox.clock.to_json())

    def set_clock(self, body: dict[str, Any]) -> Reply:
        clock = self.sandbox.clock
        at: datetime | None = None
        if "now" in body:
            try:
                at = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
            except ValueError:
                return _problem(
                    400, "Invalid time", f"now must be an ISO 8601 date-time, got {body['now']!r}"
                )
            if at.tzinfo is None:
                return _problem(400, "Invalid time", "now needs a time zone, e.g. 2026-12-01T09:00:00Z")
        try:
            # An offset can put a time at the calendar's ends past them: its timestamp overflows.
            epoch = at.timestamp() if at is not None else None
        except (OverflowError, ValueError):
            epoch = math.inf
        try:
            if body.get("frozen") is True:
                # Freeze at ``now`` itself: set() then freeze() would stop a running clock a few
                # microseconds after it.
                clock.freeze(epoch)
                return _json(clock.to_json())
            if epoch is not None:
                clock.set(epoch)
        except ClockOutOfRange as exc:
            return _problem(400, "Clock out of range", str(exc))
        if body.get("frozen") is False:
            clock.unfreeze()
        return _json(clock.to_json())

    def reset_clock(self) -> Reply:
        self.sandbox.clock.reset()
        return _json(self.sandbox.clock.to_json())

    def advance_clock(self, body: dict[str, Any]) -> Reply:
        amounts = {k: body.get(k, 0) for k in ("seconds", "minutes", "hours", "days")}
        try:
            self.sandbox.clock.advance(
                amounts["seconds"], minutes=amounts["minutes"], hours=amounts["hours"], days=amounts["days"]
            )
        except ClockOutOfRange as exc:
            return _problem(400, "Clock out of range", str(exc))
        return _json(self.sandbox.clock.to_json())

    # faults

    def list_faults(self) -> Reply:
        return _json(self.sandbox.faults.listed())

    def add_fault(self, body: dict[str, Any]) -> Reply:
        try:
            fault = self.sandbox.faults.add(FaultSpec.from_json(body))
        except InvalidFault as exc:
            return _problem(400, "Invalid fault", str(exc))
        return _json(fault.to_json(), 201)

    def clear_faults(self) -> ConnexionResponse:
        self.sandbox.faults.clear()
        return ConnexionResponse(status_code=204)

    def remove_fault(self, id_: str) -> ConnexionResponse | Reply:
        if not self.sandbox.faults.remove(id_):
            return _problem(404, "Unknown fault", f"no fault {id_!r} is in force; GET /faults lists them")
        return ConnexionResponse(status_code=204)

    # webhooks

    def list_webhooks(self) -> Reply:
        return _json(self.sandbox.webhooks.registrations())

    def _registrations(self, api: str) -> Reply:
        webhooks = self.sandbox.webhooks
        urls = webhooks.urls(api)  # refuses an API that sends no webhooks first
        return _json({"events": list(webhooks.events[api]), "urls": urls})

    def get_webhooks(self, api: str) -> Reply:
        try:
            return self._registrations(api)
        except NoWebhooks as exc:
            return _problem(404, "No webhooks", str(exc))

    def register_webhook(self, api: str, body: dict[str, Any]) -> Reply:
        try:
            self.sandbox.webhooks.register(api, str(body.get("url", "")))
            return self._registrations(api)
        except NoWebhooks as exc:
            return _problem(404, "No webhooks", str(exc))
        except InvalidWebhookUrl as exc:
            return _problem(400, "Invalid webhook URL", str(exc))

    def unregister_webhook(self, api: str, url: str | None = None) -> ConnexionResponse | Reply:
        try:
            found = self.sandbox.webhooks.unregister(api, url)
        except NoWebhooks as exc:
            return _problem(404, "No webhooks", str(exc))
        if url is not None and not found:
            return _problem(404, "Not registered", f"{url} is not registered for {api}")
        return ConnexionResponse(status_code=204)

    # sessions

    def list_sessions(self) -> Reply:
        sessions = self.sandbox.sessions
        return _json({"ttl_seconds": sessions.ttl, "limit": sessions.limit, "sessions": sessions.listed()})

    def delete_session(self, session: str) -> ConnexionResponse | Reply:
        if not self.sandbox.sessions.delete(session):
            return _problem(
                404, "Unknown session", f"no session {session!r} is open; GET /sessions lists them"
            )
        return ConnexionResponse(status_code=204)

    # vendors' own actions

    def _context(self, api: str) -> VendorContext | Reply:
        ctx = self.sandbox.contexts.get(api)
        if ctx is None:
            return _problem(
                404, "Unknown API", f"API {api!r} is not served; served: {', '.join(self.sandbox.apis)}"
            )
        return ctx

    def _action(self, api: str, name: str, method: str, body: Any) -> Reply:
        ctx = self._context(api)
        if isinstance(ctx, tuple):
            return ctx
        action = next((a for a in ctx.vendor.actions if a.name == name), None)
        if action is None:
            known = ", ".join(a.name for a in ctx.vendor.actions) or "none"
            return _problem(404, "Unknown action", f"{api} has no action {name!r}; its actions: {known}")
        if action.method.upper() != method:
            return _problem(405, "Method not allowed", f"{api} action {name!r} takes {action.method.upper()}")
        try:
            answer = load(action.handler)(ctx, body if isinstance(body, dict | list) else None)
        except ModelError as exc:
            return _problem(exc.status, type(exc).__name__, exc.message)
        if isinstance(answer, tuple):
            return _json(answer[0], int(answer[1]))
        return _json(answer)

    def read_vendor_action(self, api: str, action: str) -> Reply:
        return self._action(api, action, "GET", None)

    def run_vendor_action(self, api: str, action: str, body: Any = None) -> Reply:
        return self._action(api, action, "POST", body)

    def curl_for_api(self, api: str, body: Any = None) -> Reply:
        ctx = self._context(api)
        if isinstance(ctx, tuple):
            return ctx
        origin = self._base_url()
        info = next(a for a in self.sandbox.api_list(origin) if a["name"] == api)
        served = curls.Api.of(ctx, info["base_url"], info["prefix"])
        session = self.sandbox.sessions.current()
        asked = body if isinstance(body, dict) else {}
        try:
            command = curls.curl_for(
                served, asked, origin=origin, now=ctx.clock.now(), session=session.name if session else None
            )
        except ValueError as exc:
            return _problem(400, "Not a call of the API", str(exc))
        except LookupError as exc:
            return _problem(404, "No example call", str(exc))
        return _json(command.to_json())

    def operations(self) -> dict[str, Handler]:
        return {
            "curlForApi": self.curl_for_api,
            "getClock": self.get_clock,
            "setClock": self.set_clock,
            "resetClock": self.reset_clock,
            "advanceClock": self.advance_clock,
            "listFaults": self.list_faults,
            "addFault": self.add_fault,
            "clearFaults": self.clear_faults,
            "removeFault": self.remove_fault,
            "listWebhooks": self.list_webhooks,
            "getWebhooks": self.get_webhooks,
            "registerWebhook": self.register_webhook,
            "unregisterWebhook": self.unregister_webhook,
            "readVendorAction": self.read_vendor_action,
            "runVendorAction": self.run_vendor_action,
            "getHealth": self.health,
            "listApis": self.list_apis,
            "resetSandbox": self.reset,
            "exportState": self.export_state,
            "importState": self.import_state,
            "getStateSchema": self.state_schema,
            "listSnapshots": self.list_snapshots,
            "saveSnapshot": self.save_snapshot,
            "restoreSnapshot": self.restore_snapshot,
            "deleteSnapshot": self.delete_snapshot,
            "listJournal": self.list_journal,
            "listSessions": self.list_sessions,
            "deleteSession": self.delete_session,
            "clearJournal": self.clear_journal,
            "getCoverage": self.get_coverage,
        }


def build_control_app(sandbox: ControlledApp) -> ASGIApp:
    """The control plane as a Connexion app (problem+json errors), its inputs bounded; behind the
    options' ``control_token`` when there is one (``mockserver.exposure``).

    State imports (``/state``, ``/snapshots``) take bodies up to ``max_import_size``; the other
    operations up to the APIs' ``max_body_size``.
    """
    spec = load_spec(CONTROL_SPEC)
    handlers = ControlHandlers(sandbox).operations()
    index = ApiIndex({"": spec})
    check_operations("control plane", index, handlers)
    check_specs_once()
    app = connexion.AsyncApp(
        "mockserver",
        pythonic_params=True,
        validate_responses=sandbox.options.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        # The APIs' validators: compiled once, and quoting an excerpt of a long value in their errors.
        validator_map=validator_map(),
    )
    app.add_api(spec, base_path="", resolver=connexion.resolver.Resolver(handlers.__getitem__))

    async def unwritten(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        # A change the state file could not hold is not acknowledged (serve --state-file).
        body, status, headers = _problem(507, "State file not written", str(exc))
        return ConnexionResponse(status_code=status, body=json.dumps(body), headers=headers)

    app.add_error_handler(StateFileError, unwritten)
    options = sandbox.options

    def body_limit(scope: Scope) -> int:
        path = route_path(scope)
        imports = any(path == p or path.startswith(p + "/") for p in IMPORT_PATHS)
        return options.max_import_size if imports else options.max_body_size

    # A JSON body sent unlabelled is refused (415), as on the APIs; the index finds its operation.
    unlabelled = UnlabelledBody(
        app, render=lambda scope: render_problem, content_type="application/problem+json"
    )
    bounded = RequestBounds(
        Routed(unlabelled, index),
        bounds=Bounds.of(options),
        render=render_problem,
        body_limit=body_limit,
        content_type="application/problem+json",
    )
    # Outermost: without the token, nothing of the control plane answers (its spec and UI included).
    return (
        bounded
        if options.control_token is None
        else ControlToken(bounded, options.control_token, render_problem)
    )
