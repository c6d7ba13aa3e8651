"""The store's lock, taken in one place: vendor code never takes it itself.

Connexion calls every handler through ``serialised`` (the resolver in ``base.py`` wraps each one),
factories inherit ``StoreFactory``, whose public methods all run holding the lock, and the few
callbacks Connexion does not call (fronts, control-plane actions, the edge's subject check) are wired
through ``serialised`` or ``with_data`` where the vendor builds them. The lock is re-entrant, so code
running under it may call code that takes it again (a factory method calling another, a store reset).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from ..store import Store, VendorData

__all__ = ["StoreFactory", "serialised", "with_data"]

P = ParamSpec("P")
R = TypeVar("R")


class VendorState(Protocol):
    """The store and one vendor's data in it, as a ``VendorContext`` holds them."""

    @property
    def store(self) -> Store: ...

    @property
    def data(self) -> VendorData: ...


def serialised(store: Store, fn: Callable[P, R]) -> Callable[P, R]:
    """``fn``, run holding ``store``'s lock."""
    if inspect.iscoroutinefunction(fn):
        # A thread lock held across an await would block the event loop's other requests.
        raise TypeError(f"{fn.__qualname__} is a coroutine function; vendor code under the lock is plain")

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with store.locked():
            return fn(*args, **kwargs)

    return run


def with_data(ctx: VendorState, fn: Callable[Concatenate[VendorData, P], R]) -> Callable[P, R]:
    """``fn(ctx.data, ...)``, run holding the store's lock: for vendor code that Connexion does not call."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with ctx.store.locked():
            return fn(ctx.data, *args, **kwargs)

    return run


class StoreFactory:
    """Base of the vendors' test-data factories: each public method runs holding the store's lock.

    The plugin's ``<name>_sandbox.factory`` is called from the test's thread while the app may be
    answering requests (``sandbox_server``) in another.
    """

    def __init__(self, store: Store, data: VendorData) -> None:
        self.store = store
        self.data = data

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(value):
                setattr(cls, name, _locking(value))


def _locking(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: StoreFactory, *args: Any, **kwargs: Any) -> Any:
        with self.store.locked():
            return method(self, *args, **kwargs)

    return run
