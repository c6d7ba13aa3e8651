"""The Connexion plumbing every vendor app shares, and the assembly of a vendor app from its descriptor.

``build_connexion_app`` turns a vendor's documents, its explicit operationId -> handler table and its
error renderer into one Connexion ``AsyncApp`` with the vendor's own error format for every failure
path. ``build_vendor_app`` puts the shared credential edge and response codec around it: credentials
are checked there, once, so Connexion's own security middleware is left out.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import connexion
from connexion.exceptions import ProblemException, ResolverError
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.validators import ParameterValidator
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from .._connexion import MIDDLEWARES, BoundApp, check_specs_once, routed_base_path, validator_map
from ..asgi import route_path
from ..bounds import Bounds, RequestBounds, UnlabelledBody
from ..clock import SandboxClock
from ..errors import ModelError, StateFileError, UnhandledOperation
from ..excerpt import excerpt, shorten
from ..index import ApiIndex, route_of
from ..jsonify import FastJsonifier
from ..numerals import StrictNumbersParser
from ..options import SandboxOptions
from ..sessions import Sessions, SessionState, active
from ..specs import load_spec
from ..store import Store, VendorData
from ..xmlcodec import encode as encode_xml
from .codec import BodyFormat, Codec
from .credentials import Credential
from .descriptor import SpecMount, Vendor, load
from .edge import CredentialEdge, identity_of
from .locking import serialised

__all__ = [
    "BoundHandlers",
    "ErrorRenderer",
    "Handler",
    "SpecMount",
    "VendorContext",
    "build_connexion_app",
    "build_vendor_app",
    "check_operations",
    "identity_of",
    "load_specs",
]

log = logging.getLogger("mockserver")

Handler = Callable[..., Any]
Scenario = Mapping[str, Any]


class ErrorRenderer(Protocol):
    """Builds a vendor's error body for a status and message."""

    def __call__(self, status: int, message: str, *, field: str | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class VendorContext:
    """What a vendor's ``build`` gets: its descriptor, its options, and the state of the session a
    request is in (``store``, ``data``, ``clock``, ``errors``: the default session's outside one).

    ``specs`` maps each document's base path to a fresh copy of the document, and ``index`` is what
    they hold (``mockserver.index``); ``credentials`` are the ones the sandbox accepts (the scheme's
    defaults unless configured). Read the state where it is used, never keep it: a request in a
    session (``mockserver.sessions``) reaches that session's.
    """

    vendor: Vendor
    options: SandboxOptions
    credentials: tuple[Credential, ...]
    specs: Mapping[str, dict[str, Any]]
    index: ApiIndex
    default: SessionState
    sessions: Sessions

    @property
    def name(self) -> str:
        return self.vendor.name

    @property
    def state(self) -> SessionState:
        """The state of the request's session (the default one outside a session)."""
        session = self.sessions.current()
        return self.default if session is None else session.state

    def session_state(self) -> SessionState | None:
        """The state of the request's session; None in the default session."""
        session = self.sessions.current()
        return None if session is None else session.state

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def clock(self) -> SandboxClock:
        return self.state.clock

    @property
    def errors(self) -> list[BaseException]:
        """The exceptions raised inside the sandbox, in order (the plugin surfaces them in the test)."""
        return self.state.errors

    @property
    def data(self) -> VendorData:
        # The default session's without a call more: most requests are in it.
        state = self.default if active() is None else self.state
        return state.store.vendor(self.vendor.name)


class BoundHandlers:
    """Base of a vendor's handler classes: ``data`` is the vendor's data in the request's session,
    read on each use (a handler keeping it would write another session's)."""

    def __init__(self, ctx: VendorContext) -> None:
        self.ctx = ctx

    @property
    def data(self) -> VendorData:
        return self.ctx.data


def check_operations(api: str, index: ApiIndex, operations: Mapping[str, Handler]) -> None:
    """Fail at start-up when a spec operation has no handler, or a handler has no operation."""
    declared = index.operation_ids()
    missing = [op for op in declared if op not in operations]
    if missing:
        raise UnhandledOperation(f"{api}: no handler for operationId {', '.join(missing)}")
    stale = sorted(set(operations) - set(declared))
    if stale:
        raise UnhandledOperation(f"{api}: handlers for operationIds not in the spec: {', '.join(stale)}")


def _resolver(
    api: str, store: Store, operations: Mapping[str, Handler], json_first: frozenset[str]
) -> Resolver:
    """Finds each operation's handler, run holding the store's lock: the one place handlers take it."""

    def resolve(operation_id: str) -> Handler:
        try:
            handler = operations[operation_id]
        except KeyError:
            raise ResolverError(f"{api}: no handler for operationId {operation_id!r}") from None
        return _inline(serialised(store, _answering_json(handler) if operation_id in json_first else handler))

    return Resolver(function_resolver=resolve)


def _inline(handler: Handler) -> Handler:
    """``handler`` as a coroutine function, so Connexion calls it on the event loop.

    Connexion runs a plain function in a worker thread, which costs more than a sandbox handler's
    work: they only touch the in-memory store, never block, and are serialised by its lock anyway.
    """

    @functools.wraps(handler)
    async def inline(*args: Any, **kwargs: Any) -> Any:
        return handler(*args, **kwargs)

    return inline


def _several_media_types(index: ApiIndex) -> frozenset[str]:
    """The operations documenting more than one response media type (JSON, and XML for the codec)."""
    return frozenset(
        operation.id
        for operation in index.operations.values()
        if any(len(response.get("content") or {}) > 1 for response in operation.responses.values())
    )


def _answering_json(handler: Handler) -> Handler:
    """``handler``, its answers labelled JSON: Connexion cannot choose among several documented types.

    The app behind the codec always answers JSON; the codec encodes XML where it was asked for.
    """

    def labelled(result: Any) -> Any:
        if result is None or isinstance(result, ConnexionResponse):
            return result
        if not isinstance(result, tuple):
            return result, 200, {"Content-Type": "application/json"}
        body, status, *rest = result
        headers = dict(rest[0]) if rest else {}
        headers.setdefault("Content-Type", "application/json")
        return body, status, headers

    @functools.wraps(handler)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return labelled(handler(*args, **kwargs))

    return wrapped


def _first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].strip()


def error_response(
    render: ErrorRenderer,
    status: int,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ConnexionResponse:
    """A JSON response carrying the vendor's error body; a long value it quotes is cut to an excerpt."""
    return ConnexionResponse(
        status_code=status,
        body=json.dumps(render(status, shorten(message), field=field)),
        content_type="application/json",
        headers=dict(headers or {}),
    )


def install_error_handlers(
    app: connexion.AsyncApp,
    render: ErrorRenderer,
    errors: Callable[[], list[BaseException]],
    index: ApiIndex | None = None,
    document_errors: Mapping[str, ErrorRenderer] | None = None,
) -> None:
    """Route every failure (validation, auth, routing, model rules, bugs) to the vendor's error body.

    ``document_errors`` maps a base path to the renderer of the document served there, for a vendor
    whose documents answer in different formats; other requests use ``render``. ``errors`` gives the
    list the unexpected ones are added to (the request's session's).
    """
    by_base = sorted((document_errors or {}).items(), key=lambda item: len(item[0]), reverse=True)

    def renderer(request: ConnexionRequest) -> ErrorRenderer:
        routed = routed_base_path(request.scope)
        if routed is not None and routed in dict(by_base):
            # Routing has already named the document (the scope's root_path may include its base path).
            return dict(by_base)[routed]
        path = route_path(request.scope)
        for base, chosen in by_base:
            if not base or path == base or path.startswith(base + "/"):
                return chosen
        return render

    async def on_model_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ModelError)
        return error_response(renderer(request), exc.status, exc.message, field=exc.field)

    async def on_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ProblemException)
        message = _first_paragraph(str(exc.detail or exc.title or "Request failed"))
        if exc.status >= 500:
            errors().append(exc)
        return error_response(renderer(request), exc.status, message, headers=exc.headers)

    async def on_http(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, HTTPException)
        detail, headers = exc.detail, dict(exc.headers or {})
        if exc.status_code == 404:
            detail = f"No route for {request.method} {excerpt(request.url.path)}"
        elif exc.status_code == 405:
            detail = f"Method {request.method} is not allowed on {excerpt(request.url.path)}"
            if index is not None:
                # Starlette routes each method of a path separately; the spec knows them all.
                headers["Allow"] = index.allowed(route_path(request.scope) or "/")
        return error_response(renderer(request), exc.status_code, detail, headers=headers)

    async def on_undecodable(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return error_response(renderer(request), 400, f"Request body is not valid UTF-8: {exc}")

    async def on_unwritten(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        # The change stays in memory and is written with the next one; this answer acknowledges nothing.
        log.error("state file not written", exc_info=exc)
        errors().append(exc)
        return error_response(renderer(request), 507, str(exc))

    async def on_bug(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.error("sandbox handler failed", exc_info=exc)
        errors().append(exc)
        return error_response(renderer(request), 500, f"Internal sandbox error: {type(exc).__name__}: {exc}")

    app.add_error_handler(ModelError, on_model_error)
    app.add_error_handler(ProblemException, on_problem)
    app.add_error_handler(HTTPException, on_http)
    app.add_error_handler(UnicodeDecodeError, on_undecodable)
    app.add_error_handler(StateFileError, on_unwritten)
    app.add_error_handler(Exception, on_bug)


class NamedParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Connexion's parameter validator, naming the parameter at the end of a schema error.

    Body errors end with `` - 'field'``; parameter errors did not say which parameter failed, so a
    vendor's renderer could not key its error by it (ASP.NET's ValidationProblemDetails does).
    """

    def validate_parameter(
        self, parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        error: str | None = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error is None or error.startswith("Missing "):
            return error
        return f"{shorten(_first_paragraph(error))} - '{param_name or param.get('name')}'"


def build_connexion_app(
    *,
    ctx: VendorContext,
    operations: Mapping[str, Handler],
    render_error: ErrorRenderer,
    document_errors: Mapping[str, ErrorRenderer] | None = None,
    uri_parser_class: type[Any] | None = None,
) -> connexion.AsyncApp:
    """One Connexion ``AsyncApp`` serving ``ctx.specs`` (base path -> document) with explicit handlers.

    ``operations`` holds the handlers of every document together; each operationId must have one.
    ``document_errors`` (base path -> renderer) overrides ``render_error`` for one document's requests.
    ``uri_parser_class`` replaces the parsing of parameters (e.g. DfE's repeated query values); it
    should extend ``StrictNumbersParser``, which reads numerals as the vendors' servers do.
    """
    specs = ctx.specs
    check_operations(ctx.name, ctx.index, operations)
    check_specs_once()
    app = BoundApp(
        "mockserver",
        middlewares=list(MIDDLEWARES),
        pythonic_params=True,
        validate_responses=ctx.options.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        validator_map=validator_map(NamedParameterValidator),
        uri_parser_class=uri_parser_class or StrictNumbersParser,
        jsonifier=FastJsonifier(),
    )
    # Every session's store shares the default one's lock (``Store.fork``): holding it serialises all.
    resolver = _resolver(ctx.name, ctx.default.store, operations, _several_media_types(ctx.index))
    for base_path, spec in specs.items():
        app.add_api(spec, base_path=base_path, resolver=resolver, name=f"{ctx.name}{base_path}")
    install_error_handlers(app, render_error, lambda: ctx.errors, ctx.index, document_errors)
    return app


def load_specs(vendor_specs: tuple[SpecMount, ...]) -> dict[str, dict[str, Any]]:
    """Base path -> a fresh copy of the document (``VendorContext.specs``)."""
    return {mount.base_path: load_spec(mount.file) for mount in vendor_specs}


class TrailingSlashMiddleware:
    """Serves ``/create-user/`` as ``/create-user`` for vendors whose docs show both forms."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.endswith("/") and len(route_path(scope)) > 1 and not path.endswith("/ui/"):
                scope = dict(scope)
                scope["path"] = path.rstrip("/")
                raw = scope.get("raw_path")
                if isinstance(raw, bytes):
                    scope["raw_path"] = raw.rstrip(b"/")
        await self.app(scope, receive, send)


def build_vendor_app(ctx: VendorContext) -> ASGIApp:
    """The vendor's app as served: the response codec, the request bounds, its front layer if any, the
    credential edge, its app.

    Every answer, the edge's refusals and the bounds' 413/414/431 included, leaves through the codec,
    so a vendor offering XML answers in XML wherever it was asked for. The bounds read the body whole
    before anything behind them runs.
    """
    vendor = ctx.vendor
    app: ASGIApp = load(vendor.build)(ctx)
    known_subject = load(vendor.known_subject) if vendor.known_subject else None
    # A gateway's refusals (the edge's) and the sandbox's bounds answer in the same body.
    render = load(vendor.edge_errors or vendor.errors)
    edge = CredentialEdge(
        UnlabelledBody(app, render=_document_errors(vendor)),
        scheme=vendor.credentials,
        accepted=ctx.credentials,
        index=ctx.index,
        render=render,
        clock=ctx.default.clock,
        data=lambda: ctx.data,
        session=ctx.session_state,
        rate_limit=vendor.rate_limit,
        rate_limit_value=ctx.options.rate_limits.get(vendor.name),
        required_headers=vendor.required_headers,
        gateway=vendor.gateway,
        known_subject=(
            serialised(ctx.default.store, lambda subject: bool(known_subject(ctx, subject)))
            if known_subject
            else None
        ),
    )
    # The limiter's windows are state outside the collections: the control plane's reset clears them
    # (a session's are in its state's ``locals``, which its reset clears).
    ctx.default.store.on_reset(edge.reset)
    guarded: ASGIApp = load(vendor.front)(edge, ctx) if vendor.front else edge
    parameter = vendor.format_parameter
    owning = _owning(ctx.index, parameter)
    late = vendor.offers_xml and vendor.format_in_body and parameter is not None
    if late and parameter is not None:
        guarded = BodyFormat(guarded, parameter=parameter, own_format=owning)
    guarded = RequestBounds(
        guarded, bounds=Bounds.of(ctx.options), render=render, json_render=_document_errors(vendor)
    )
    if not vendor.offers_xml:
        return guarded
    encode = load(vendor.xml) if vendor.xml else encode_xml
    return Codec(guarded, encode=encode, parameter=parameter, own_format=owning, late=late)


def _document_errors(vendor: Vendor) -> Callable[[Scope], ErrorRenderer]:
    """The renderer of the document a request's operation is in (``SpecMount.errors``, else the vendor's)."""
    fallback: ErrorRenderer = load(vendor.errors)
    by_base: dict[str, ErrorRenderer] = {m.base_path: load(m.errors) for m in vendor.specs if m.errors}

    def render_of(scope: Scope) -> ErrorRenderer:
        route = route_of(scope)
        return by_base.get(route.base, fallback) if route is not None else fallback

    return render_of


def _owning(index: ApiIndex, name: str | None) -> Callable[[Scope], bool]:
    """Whether a request falls under a path with an operation documenting a query parameter ``name``."""
    paths = frozenset(op.path for op in index.every() if name is not None and op.parameter(name) is not None)

    def owns(scope: Scope) -> bool:
        route = route_of(scope)
        return route is not None and route.path in paths

    return owns
