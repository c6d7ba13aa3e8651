"""What a vendor is, and the Connexion plumbing every vendor app shares.

A vendor package provides a ``Vendor`` descriptor; ``build_connexion_app`` turns its spec, its
explicit operationId -> handler table, its security handler and its error renderer into one
Connexion ``AsyncApp`` with the vendor's own error format for every failure path.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import connexion
import yaml
from connexion.exceptions import OAuthProblem, OAuthResponseProblem, ProblemException, ResolverError
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler
from connexion.validators import ParameterValidator
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import ModelError, UnhandledOperation
from ..options import SandboxOptions
from ..resources import spec_path
from ..store import Store, VendorData

log = logging.getLogger("mockserver")

Handler = Callable[..., Any]
Scenario = Mapping[str, Any]
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


class ErrorRenderer(Protocol):
    """Builds a vendor's error body for a status and message."""

    def __call__(self, status: int, message: str, *, field: str | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class VendorContext:
    """What a vendor's ``build`` gets: the shared store and journal, the options, its credentials."""

    name: str
    store: Store
    options: SandboxOptions
    credentials: tuple[str, ...]
    errors: list[BaseException]

    @property
    def data(self) -> VendorData:
        return self.store.vendor(self.name)


@dataclass(frozen=True, slots=True)
class SpecMount:
    """One OpenAPI document a vendor serves, and where under the vendor's prefix it is served.

    Its operations answer under ``{prefix}{base_path}``; the document itself is served at
    ``{prefix}{base_path}/openapi.json`` and its Swagger UI at ``{prefix}{base_path}/ui/``.
    """

    file: str
    base_path: str = ""

    @property
    def spec_route(self) -> str:
        return f"{self.base_path}/openapi.json"

    @property
    def docs_route(self) -> str:
        return f"{self.base_path}/ui/"


@dataclass(frozen=True, slots=True)
class Vendor:
    """A vendor in the registry.

    Args:
        name: API name used on the command line and in the control plane (``apprentiscope``).
        title: human name (``ApprentiScope``).
        prefix: mount point (``/apprentiscope``).
        specs: the OpenAPI documents in ``specs/`` it serves, each at its base path; the first is the
            API's main spec (``ApiInfo.spec_url``).
        default_fixture: scenario in ``fixtures/`` used unless another is given.
        default_credentials: the tokens or keys accepted unless others are configured.
        auth_help: the headers a client sends to authenticate with one credential.
        seed: fills a vendor's ``VendorData`` from a scenario.
        build: makes the vendor's ASGI app (a Connexion ``AsyncApp``).
    """

    name: str
    title: str
    prefix: str
    specs: tuple[SpecMount, ...]
    default_fixture: str
    default_credentials: tuple[str, ...]
    auth_help: Callable[[str], dict[str, str]]
    seed: Callable[[VendorData, Scenario], None]
    build: Callable[[VendorContext], ASGIApp]
    notes: tuple[str, ...] = field(default=())


@cache
def _parsed_spec(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    return loaded


def load_spec(name: str) -> dict[str, Any]:
    """A fresh copy of spec ``name`` from ``specs/`` (parsed once per process)."""
    return copy.deepcopy(_parsed_spec(spec_path(name)))


def spec_parameters(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every parameter the spec's operations take (path-level ones included), ``$ref``s resolved."""
    shared = (spec.get("components") or {}).get("parameters", {})
    found: list[dict[str, Any]] = []
    for item in spec.get("paths", {}).values():
        declared = list(item.get("parameters", []))
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                declared += operation.get("parameters", [])
        for param in declared:
            ref = str(param.get("$ref", ""))
            found.append(shared.get(ref.rsplit("/", 1)[-1], param) if ref else param)
    return found


def operation_ids(spec: Mapping[str, Any]) -> list[str]:
    """Every operationId of ``spec``, in document order."""
    found = []
    for item in spec.get("paths", {}).values():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                found.append(operation["operationId"])
    return found


def check_operations(api: str, spec: Mapping[str, Any], operations: Mapping[str, Handler]) -> None:
    """Fail at start-up when a spec operation has no handler, or a handler has no operation."""
    declared = operation_ids(spec)
    missing = [op for op in declared if op not in operations]
    if missing:
        raise UnhandledOperation(f"{api}: no handler for operationId {', '.join(missing)}")
    stale = sorted(set(operations) - set(declared))
    if stale:
        raise UnhandledOperation(f"{api}: handlers for operationIds not in the spec: {', '.join(stale)}")


def allowed_methods(specs: Mapping[str, Mapping[str, Any]]) -> Callable[[Scope], str]:
    """Maps a request scope to the ``Allow`` value of the spec path it falls under.

    Args:
        specs: base path -> OpenAPI document served under it.
    """
    templates = []
    paths = [
        (base_path + template, item)
        for base_path, spec in specs.items()
        for template, item in spec.get("paths", {}).items()
    ]
    for template, item in paths:
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/")))
        methods = sorted(m.upper() for m in item if m in HTTP_METHODS)
        if "GET" in methods:
            methods.append("HEAD")
        templates.append((re.compile(f"^{regex}/?$", re.DOTALL), ", ".join(methods)))

    def allow(scope: Scope) -> str:
        path = scope["path"][len(scope.get("root_path", "")) :] or "/"
        for pattern, methods in templates:
            if pattern.match(path):
                return methods
        return ""

    return allow


def _resolver(api: str, operations: Mapping[str, Handler]) -> Resolver:
    def resolve(operation_id: str) -> Handler:
        try:
            return operations[operation_id]
        except KeyError:
            raise ResolverError(f"{api}: no handler for operationId {operation_id!r}") from None

    return Resolver(function_resolver=resolve)


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
    """A JSON response carrying the vendor's error body."""
    return ConnexionResponse(
        status_code=status,
        body=json.dumps(render(status, message, field=field)),
        content_type="application/json",
        headers=dict(headers or {}),
    )


@dataclass(frozen=True, slots=True)
class AuthMessages:
    """What a vendor says when credentials are missing, and when they are wrong."""

    missing: str
    invalid: str


def install_error_handlers(
    app: connexion.AsyncApp,
    render: ErrorRenderer,
    errors: list[BaseException],
    auth: AuthMessages | None = None,
    allowed: Callable[[Scope], str] | None = None,
    document_errors: Mapping[str, ErrorRenderer] | None = None,
) -> None:
    """Route every failure (validation, auth, routing, model rules, bugs) to the vendor's error body.

    ``document_errors`` maps a base path to the renderer of the document served there, for a vendor
    whose documents answer in different formats; other requests use ``render``.
    """
    by_base = sorted((document_errors or {}).items(), key=lambda item: len(item[0]), reverse=True)

    def renderer(request: ConnexionRequest) -> ErrorRenderer:
        routed = request.scope.get("extensions", {}).get("connexion_routing", {}).get("api_base_path")
        if isinstance(routed, str) and routed in dict(by_base):
            # Routing has already named the document (the scope's root_path may include its base path).
            return dict(by_base)[routed]
        path = request.scope["path"][len(request.scope.get("root_path", "")) :]
        for base, chosen in by_base:
            if not base or path == base or path.startswith(base + "/"):
                return chosen
        return render

    def on_model_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ModelError)
        return error_response(renderer(request), exc.status, exc.message, field=exc.field)

    def on_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ProblemException)
        message = _first_paragraph(str(exc.detail or exc.title or "Request failed"))
        if auth is not None and isinstance(exc, OAuthResponseProblem):
            message = auth.invalid
        elif auth is not None and isinstance(exc, OAuthProblem):
            message = auth.missing
        if exc.status >= 500:
            errors.append(exc)
        return error_response(renderer(request), exc.status, message, headers=exc.headers)

    def on_http(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, HTTPException)
        detail, headers = exc.detail, dict(exc.headers or {})
        if exc.status_code == 404:
            detail = f"No route for {request.method} {request.url.path}"
        elif exc.status_code == 405:
            detail = f"Method {request.method} is not allowed on {request.url.path}"
            if allowed is not None:
                # Starlette routes each method of a path separately; the spec knows them all.
                headers["Allow"] = allowed(request.scope)
        return error_response(renderer(request), exc.status_code, detail, headers=headers)

    def on_undecodable(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return error_response(renderer(request), 400, f"Request body is not valid UTF-8: {exc}")

    def on_bug(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.error("sandbox handler failed", exc_info=exc)
        errors.append(exc)
        return error_response(renderer(request), 500, f"Internal sandbox error: {type(exc).__name__}: {exc}")

    app.add_error_handler(ModelError, on_model_error)
    app.add_error_handler(ProblemException, on_problem)
    app.add_error_handler(HTTPException, on_http)
    app.add_error_handler(UnicodeDecodeError, on_undecodable)
    app.add_error_handler(Exception, on_bug)


class KeyAuth(ApiKeySecurityHandler):  # type: ignore[misc]
    """Connexion's API-key handler, accepting the vendor's keys (each sent value ``normalise``d first)."""

    def __init__(self, keys: Iterable[str], normalise: Callable[[str], str] = str) -> None:
        self._keys = frozenset(keys)
        self._normalise = normalise

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., dict[str, str] | None]:
        return self.check

    def check(self, api_key: str, required_scopes: list[str] | None = None) -> dict[str, str] | None:
        key = self._normalise(api_key)
        return {"sub": key} if key in self._keys else None


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
        return f"{_first_paragraph(error)} - '{param_name or param.get('name')}'"


def build_connexion_app(
    *,
    ctx: VendorContext,
    specs: Mapping[str, dict[str, Any]],
    operations: Mapping[str, Handler],
    render_error: ErrorRenderer,
    security_map: Mapping[str, Any] | None = None,
    auth_messages: AuthMessages | None = None,
    document_errors: Mapping[str, ErrorRenderer] | None = None,
    uri_parser_class: type[Any] | None = None,
) -> connexion.AsyncApp:
    """One Connexion ``AsyncApp`` serving ``specs`` (base path -> document) with explicit handlers.

    ``operations`` holds the handlers of every document together; each operationId must have one.
    ``document_errors`` (base path -> renderer) overrides ``render_error`` for one document's requests.
    ``uri_parser_class`` replaces Connexion's parsing of parameters (e.g. DfE's repeated query values).
    """
    check_operations(ctx.name, {"paths": _all_paths(specs)}, operations)
    app = connexion.AsyncApp(
        "mockserver",
        security_map=dict(security_map or {}),
        pythonic_params=True,
        validate_responses=ctx.options.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        validator_map={"parameter": NamedParameterValidator},
        uri_parser_class=uri_parser_class,
    )
    resolver = _resolver(ctx.name, operations)
    for base_path, spec in specs.items():
        app.add_api(spec, base_path=base_path, resolver=resolver, name=f"{ctx.name}{base_path}")
    install_error_handlers(
        app, render_error, ctx.errors, auth_messages, allowed_methods(specs), document_errors
    )
    return app


def _all_paths(specs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {base + template: item for base, spec in specs.items() for template, item in spec["paths"].items()}


def load_specs(vendor_specs: tuple[SpecMount, ...]) -> dict[str, dict[str, Any]]:
    """Base path -> a fresh copy of the document, for ``build_connexion_app``."""
    return {mount.base_path: load_spec(mount.file) for mount in vendor_specs}


class TrailingSlashMiddleware:
    """Serves ``/create-user/`` as ``/create-user`` for vendors whose docs show both forms."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            root = scope.get("root_path", "")
            if path.endswith("/") and len(path) > len(root) + 1 and not path.endswith("/ui/"):
                scope = dict(scope)
                scope["path"] = path.rstrip("/")
                raw = scope.get("raw_path")
                if isinstance(raw, bytes):
                    scope["raw_path"] = raw.rstrip(b"/")
        await self.app(scope, receive, send)
