"""A Connexion ``AsyncApp`` whose operations decorate their handler once, not on every request.

Connexion's ``AsyncOperation`` builds a fresh decorator chain per request: a new ``StarletteDecorator``,
then ``decorate()``, which inspects the handler's signature and wraps it three times. Nothing in that
chain depends on the request: the request-specific parts (the operation, the scope, the body) are
read from Connexion's context when the decorated function runs. ``BoundOperation`` builds the chain
the first time the operation is called and keeps it; everything else is Connexion's own code.

The operation class is chosen through the API class of the app's innermost layer (``api_cls``),
the hook Connexion's own ``AsyncApp`` uses to make its operations.

The parameter decorator is Connexion's, with one change through its ``_parameter_decorator_cls``
hook: the function that turns a parameter's name into its Python name (``pythonic``: an
``inflection`` regex and two more per name, three times per parameter per request) remembers its
answers. It is a pure function of the name; the cache is bounded, since query names come from clients.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import receive as request_receive
from connexion.context import scope as request_scope
from connexion.decorators import StarletteDecorator
from connexion.decorators.parameter import AsyncParameterDecorator
from connexion.operations import AbstractOperation
from starlette.types import Receive, Scope, Send

from ._connexion import connexion

__all__ = ["BoundApp", "BoundOperation"]


_NAMES_KEPT = 4096


class _NamesKept(AsyncParameterDecorator):  # type: ignore[misc]
    """Connexion's parameter decorator, remembering the Python name of each parameter name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        plain: Callable[[str], str] = getattr(self, "sanitize_fn")  # noqa: B009  (untyped in Connexion)
        self.sanitize_fn = functools.lru_cache(maxsize=_NAMES_KEPT)(plain)


class _Decorator(StarletteDecorator):  # type: ignore[misc]
    @property
    def _parameter_decorator_cls(self) -> type[AsyncParameterDecorator]:
        return _NamesKept


class BoundOperation(AsyncOperation):  # type: ignore[misc]
    """An operation whose handler is decorated (parameters in, response out) once."""

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


class BoundApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: AbstractOperation) -> BoundOperation:
        bound: BoundOperation = BoundOperation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )
        return bound


class BoundApp(connexion.AsyncApp):  # type: ignore[misc]
    """``connexion.AsyncApp``, its operations bound once (see the module's docstring)."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        super().__init__(import_name, **kwargs)
        self._middleware_app.api_cls = BoundApi
