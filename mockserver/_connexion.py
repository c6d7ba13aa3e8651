"""Every use of Connexion's internals, in one module: pinned (``REQUIREMENT``), and tested by
``tests/test_shims.py``, which fails loudly when a Connexion release moves what this reaches into.

Public here means what Connexion's documentation (connexion.readthedocs.io, 3.x) presents for
applications to import: the ``connexion`` package itself (``AsyncApp``, ``ConnexionMiddleware``,
``request``, ``problem``), ``connexion.lifecycle``, ``connexion.exceptions``, ``connexion.options``,
``connexion.resolver``, ``connexion.context``, ``connexion.middleware`` (``MiddlewarePosition``
and the default middleware classes the docs import to customise the stack), ``connexion.validators``
with ``connexion.datastructures.MediaTypeDict`` (custom validators), ``connexion.uri_parsing`` (the
``uri_parser_class`` parsers) and ``connexion.jsonifier`` (the ``jsonifier`` option). Other modules
may import those. Internal, and so only imported here: ``connexion.spec``, ``connexion.apps.*``,
``connexion.decorators.*``, ``connexion.operations``, ``connexion.utils``, the routing middleware's
``router`` and its scope extension, and every ``_``-name (``_validate_spec``, ``_middleware_app``,
``_parameter_decorator_cls``, the validators' ``_validator``/``_schema``, the URI parser's
``_resolve_param_duplicates``/``_split``).

Importing this module also silences the warnings Connexion's import raises: connexion 3.3 imports
``starlette.testclient``, which warns on starlette 1.x, and jsonschema's deprecated ``RefResolver``;
we use neither, and a project running its tests with ``-W error`` must still be able to start a
sandbox. Every way into the code that uses Connexion (``mockserver.app``, ``mockserver.vendors``,
``mockserver.plugin``) imports this module first.

What it holds:

- ``check_specs_once``: Connexion's spec check, run once per distinct document. Connexion has no
  option for this: ``add_api`` always builds its ``Specification`` itself from a path or a dict
  (``Specification.load``), so neither a checked specification nor a "skip the check" flag can be
  passed per call. So the check is wrapped, process-wide, but only when an app builder asks for it
  (``build_connexion_app`` and the control plane's), never on import. Patching only around each
  ``add_api`` call would race between threads building apps (a plugin session beside a served
  sandbox) and could leave the wrapper installed or the original lost.
- ``BoundApp``: operations that decorate their handler once, not on every request.
- ``IndexedRoutingMiddleware`` and ``MIDDLEWARES``: Connexion's stack with its routing indexed and
  without its security middleware.
- ``routed_base_path``: the document Connexion's routing matched a request to.
- ``routed_operation_id``: the operation Connexion's routing matched a request to (the journal names it).
- ``RepeatedQueryParser``: repeated query values kept whole, as ASP.NET binds them.
- ``validator_map``: Connexion's validators with each schema compiled once per app.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import pickle
import warnings
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", message=r"jsonschema\.(exceptions\.)?Ref\w+ is deprecated")
    import connexion
    from connexion.apps.asynchronous import AsyncApi, AsyncOperation
    from connexion.context import receive as request_receive
    from connexion.context import scope as request_scope
    from connexion.datastructures import MediaTypeDict
    from connexion.decorators import StarletteDecorator
    from connexion.decorators.parameter import AsyncParameterDecorator
    from connexion.middleware import ConnexionMiddleware
    from connexion.middleware.abstract import ROUTING_CONTEXT
    from connexion.middleware.routing import RoutingMiddleware
    from connexion.middleware.routing import _scope as _routing_scope
    from connexion.middleware.security import SecurityMiddleware
    from connexion.operations import AbstractOperation
    from connexion.spec import Specification
    from connexion.uri_parsing import OpenAPIURIParser
    from connexion.utils import is_null, is_nullable
    from connexion.validators import (
        FormDataValidator,
        JSONRequestBodyValidator,
        JSONResponseBodyValidator,
        MultiPartFormDataValidator,
        ParameterValidator,
        TextResponseBodyValidator,
    )

from starlette.routing import BaseRoute, Match, Mount, Router
from starlette.types import Receive, Scope, Send

from . import cache
from .excerpt import shorten
from .index import route_of
from .numerals import StrictNumbersParser
from .routing import index_static_routes
from .speccheck import surely_valid
from .validation import Checked, Compiled, Excerpting, Validator, _parameter_validator

REQUIREMENT = "connexion>=3.3,<4"

__all__ = [
    "MIDDLEWARES",
    "REQUIREMENT",
    "BoundApp",
    "BoundOperation",
    "IndexedRoutingMiddleware",
    "RepeatedQueryParser",
    "check_specs_once",
    "connexion",
    "routed_base_path",
    "routed_operation_id",
    "validator_map",
]


# SkyPrep's and Coursepath's calls document a JSON and a form body on purpose (clients send either), and
# Connexion warns "this operation accepts multiple content types" each time it reads such a body's
# definition: seven times a request, flooding the output of every script, CLI run and test session that
# builds a sandbox. It is the only warning this logger has; a level, unlike a filter, also
# saves building the seven records per request (a tenth of an in-process form-or-JSON write).
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)

_CONNEXION = importlib.metadata.version("connexion")


# -- the spec check, once per document ------------------------------------------------------------


def _validated_once(validate: Callable[[type, dict[str, Any]], None]) -> Any:
    """Connexion's ``Specification._validate_spec``, run once per distinct document.

    Connexion checks every document against the OpenAPI schema (and every ``default`` against its
    schema) each time an app is built: half a second of a five-API start, and again for each app a
    test suite builds. The verdict depends only on the document and on Connexion's version, so a
    document it accepted is remembered by digest, in the process and as an empty entry of the
    user's cache (``mockserver.cache``). A changed document has another digest and is checked
    again; an invalid one is never remembered and raises as before. A document it has not seen goes
    through the compiled fast path (``mockserver.speccheck``) and, unless that finds it surely valid,
    through Connexion's own check; it copies none of Connexion's code.
    """
    seen: set[str] = set()

    def _validate_spec(cls: type, spec: dict[str, Any]) -> None:
        key = cache.digest(pickle.dumps((_CONNEXION, cls.__qualname__, spec), protocol=5))
        if key in seen or cache.read("valid-specs", key) is not None:
            seen.add(key)
            return
        if not surely_valid(cls, spec):
            validate(cls, spec)
        seen.add(key)
        cache.write("valid-specs", key, b"")

    _validate_spec.checks_once = True  # type: ignore[attr-defined]
    return classmethod(_validate_spec)


def check_specs_once() -> None:
    """From now on, Connexion checks each distinct document once (see the module's docstring).

    Idempotent: app builders call it before ``add_api``.
    """
    current = Specification.__dict__["_validate_spec"].__func__
    if not getattr(current, "checks_once", False):
        Specification._validate_spec = _validated_once(current)


# -- operations bound once -------------------------------------------------------------------------

_NAMES_KEPT = 4096


class _NamesKept(AsyncParameterDecorator):  # type: ignore[misc]
    """Connexion's parameter decorator, remembering the Python name of each parameter name.

    The function that turns a parameter's name into its Python name (``pythonic``: an ``inflection``
    regex and two more per name, three times per parameter per request) is a pure function of the
    name; the cache is bounded, since query names come from clients.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        plain: Callable[[str], str] = getattr(self, "sanitize_fn")  # noqa: B009  (untyped in Connexion)
        self.sanitize_fn = functools.lru_cache(maxsize=_NAMES_KEPT)(plain)


class _Decorator(StarletteDecorator):  # type: ignore[misc]
    @property
    def _parameter_decorator_cls(self) -> type[AsyncParameterDecorator]:
        return _NamesKept


class BoundOperation(AsyncOperation):  # type: ignore[misc]
    """An operation whose handler is decorated (parameters in, response out) once.

    Connexion's ``AsyncOperation`` builds a fresh decorator chain per request: a new
    ``StarletteDecorator``, then ``decorate()``, which inspects the handler's signature and wraps it
    three times. Nothing in that chain depends on the request: the request-specific parts (the
    operation, the scope, the body) are read from Connexion's context when the decorated function
    runs. So the chain is built the first time the operation is called, and kept; everything else is
    Connexion's own code.
    """

    _call: Callable[[], Awaitable[Any]] | None = None

    def _bind(self) -> Callable[[], Awaitable[Any]]:
        decorator = _Decorator(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)
        decorated = decorator.decorate(self._fn)
        framework = decorator.framework

        async def call() -> Any:
            request = framework.get_request(
                uri_parser=decorator.uri_parser, scope=request_scope, receive=request_receive
            )
            return await decorated(request)

        self._call = call
        return call

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        call = self._call or self._bind()
        response = await call()
        return await response(scope, receive, send)


class _BoundApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: AbstractOperation) -> BoundOperation:
        bound: BoundOperation = BoundOperation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )
        return bound


class BoundApp(connexion.AsyncApp):  # type: ignore[misc]
    """``connexion.AsyncApp``, its operations bound once (``BoundOperation``).

    The operation class is chosen through the API class of the app's innermost layer (``api_cls``),
    the hook Connexion's own ``AsyncApp`` uses to make its operations.
    """

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        super().__init__(import_name, **kwargs)
        self._middleware_app.api_cls = _BoundApi


# -- routing ---------------------------------------------------------------------------------------


class IndexedRoutingMiddleware(RoutingMiddleware):  # type: ignore[misc]
    """Connexion's routing middleware, taking the operation the API's index already found.

    ``mockserver.index.Routed`` found the request's operation in front of every layer; its Starlette
    route is asked, with Starlette's own ``matches``, whether it takes the request as it now is (a
    front may have respelled the path). If it does, that route handles it, as Starlette's router
    would after searching; if not (no operation, or a path the route's converters refuse), Connexion's
    router searches as before, each API's router indexed by ``index_static_routes``.
    """

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self._routes: dict[str, tuple[Mount, BaseRoute]] = {}

    def add_api(
        self, specification: Any, base_path: str | None = None, arguments: Any = None, **kwargs: Any
    ) -> None:
        super().add_api(specification, base_path=base_path, arguments=arguments, **kwargs)
        for mount in self.router.routes:
            if isinstance(mount, Mount) and isinstance(mount.app, Router):
                index_static_routes(mount.app)
                for route in mount.app.routes:
                    for each in getattr(route, "routes", [route]):
                        operation_id = getattr(getattr(each, "endpoint", None), "operation_id", None)
                        if isinstance(operation_id, str):
                            self._routes.setdefault(operation_id, (mount, each))

    def _routed(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        found = route_of(scope)
        entry = self._routes.get(found.id) if found is not None else None
        if entry is None:
            return None
        mount, route = entry
        match, outer = mount.matches(scope)
        if match is not Match.FULL:
            return None
        inner = {**scope, **outer}
        match, child = route.matches(inner)
        return (route, {**outer, **child}) if match is Match.FULL else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = self._routed(scope) if scope["type"] == "http" else None
        if routed is None:
            await super().__call__(scope, receive, send)
            return
        route, child = routed
        # What Connexion's __call__ and Starlette's two routers do on the way to a matched route.
        _routing_scope.set(dict(scope))
        scope.setdefault("router", self.router)
        scope.update(child)
        await route.handle(scope, receive, send)


# Connexion's layers, without its security (the credential edge answers for it) and with its
# routing indexed.
MIDDLEWARES = [
    IndexedRoutingMiddleware if m is RoutingMiddleware else m
    for m in ConnexionMiddleware.default_middlewares
    if m is not SecurityMiddleware
]


def routed_operation_id(scope: Scope) -> str | None:
    """The operationId Connexion's routing routed the request to (None before routing, or for none)."""
    found = scope.get("extensions", {}).get(ROUTING_CONTEXT, {}).get("operation_id")
    return found if isinstance(found, str) and found else None


def routed_base_path(scope: Scope) -> str | None:
    """The base path of the document Connexion's routing matched the request to (None before routing)."""
    routed: Mapping[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    base = routed.get("api_base_path")
    return base if isinstance(base, str) else None


# -- parameters ------------------------------------------------------------------------------------


class RepeatedQueryParser(StrictNumbersParser):
    """Connexion's parser, keeping each value of a repeated (``explode``) query parameter whole.

    Connexion joins the repeated values with commas and splits them again, so a route named
    "Agriculture, environmental and animal care" became two values; ASP.NET binds each repetition as
    one value, commas and all.
    """

    @staticmethod
    def _resolve_param_duplicates(values: Any, param_defn: Mapping[str, Any], _in: str) -> Any:
        style = param_defn.get("style", OpenAPIURIParser.style_defaults[_in])
        if _in == "query" and style == "form" and param_defn.get("explode", True):
            return list(values)
        return OpenAPIURIParser._resolve_param_duplicates(values, param_defn, _in)

    @staticmethod
    def _split(value: Any, param_defn: Mapping[str, Any], _in: str) -> Any:
        if isinstance(value, list):
            return value
        return OpenAPIURIParser._split(value, param_defn, _in)


# -- validators ------------------------------------------------------------------------------------


def validator_map(parameter_base: type[ParameterValidator] = ParameterValidator) -> dict[str, Any]:
    """A ``validator_map`` for one Connexion app whose validators share one ``Compiled`` cache.

    The classes are Connexion's own, with the same schemas, the same jsonschema validator classes and
    so the same error messages (see ``mockserver.validation``): they only keep each compiled validator
    for the app's life. ``parameter_base`` is the parameter validator to speed up (a subclass of
    Connexion's whose ``validate_parameter`` words errors its own way keeps that wording: only the
    schema check is replaced, by the same check on a compiled validator).
    """
    compiled = Compiled()

    class Parameters(parameter_base):  # type: ignore[misc]
        def validate_parameter(
            self, parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
        ) -> str | None:
            if value is not None and not (is_nullable(param) and is_null(value)):
                validator = compiled.get("parameter", param, lambda: _parameter_validator(param))
                if validator.is_valid(value):
                    return None
            # Absent, null or invalid: the base validator answers, in its own words (a long value cut).
            error: str | None = super().validate_parameter(parameter_type, value, param, param_name)
            return None if error is None else shorten(error)

    def kept(base: type, kind: str, wrap: Callable[[Any, Validator], Validator], name: str) -> type:
        """``base`` whose validator property ``name`` is built once per schema, then wrapped by ``wrap``."""
        built = getattr(base, name).fget

        def validator(self: Any) -> Validator:
            schema = self._schema
            return compiled.get(kind, schema, lambda: wrap(schema, built(self)))

        return type(base.__name__, (base,), {name: property(validator)})

    return {
        "parameter": Parameters,
        "body": MediaTypeDict(
            {
                "*/*json": kept(JSONRequestBodyValidator, "body", _checked_excerpting, "_validator"),
                "application/x-www-form-urlencoded": kept(
                    FormDataValidator, "form", _excerpting, "_validator"
                ),
                "multipart/form-data": kept(
                    MultiPartFormDataValidator, "multipart", _excerpting, "_validator"
                ),
            }
        ),
        "response": MediaTypeDict(
            {
                "*/*json": kept(JSONResponseBodyValidator, "response", _checked_write_only, "validator"),
                "text/plain": TextResponseBodyValidator,
            }
        ),
    }


def _excerpting(schema: Any, validator: Validator) -> Validator:
    return Excerpting(validator)


def _checked_excerpting(schema: Any, validator: Validator) -> Validator:
    return Checked(schema, Excerpting(validator))


def _checked_write_only(schema: Any, validator: Validator) -> Validator:
    return Checked(schema, validator, write_only=True)
