"""The store's lock is taken in one place: around every handler, factory method, front read and action."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, Store
from mockserver.testing import sync_client
from mockserver.vendors.apprentiscope import model as apprentiscope_model
from mockserver.vendors.apprentiscope.factory import ApprentiscopeFactory
from mockserver.vendors.coursepath import invites
from mockserver.vendors.locking import serialised, with_data

from .apprentiscope_helpers import new_user


def held_by_this_thread(store: Store) -> bool:
    """Whether another thread has to wait for the store's lock (it is re-entrant, so this one would not)."""
    taken = threading.Event()

    def take() -> None:
        with store.locked():
            taken.set()

    other = threading.Thread(target=take, daemon=True)
    other.start()
    # Free, the other thread takes it at once; held, it waits until this thread lets go.
    held = not taken.wait(timeout=0.2)
    if not held:
        other.join()
    return held


def probing(store: Store, fn: Callable[..., Any], seen: list[bool]) -> Callable[..., Any]:
    def probe(*args: Any, **kwargs: Any) -> Any:
        seen.append(held_by_this_thread(store))
        return fn(*args, **kwargs)

    return probe


def test_the_probe_sees_a_free_lock_as_free(sandbox: Sandbox) -> None:
    assert held_by_this_thread(sandbox.store) is False
    with sandbox.store.locked():
        assert held_by_this_thread(sandbox.store) is True


def test_a_handler_runs_holding_the_store_lock(
    sandbox: Sandbox, apprentiscope_api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    create = apprentiscope_model.create_user
    monkeypatch.setattr(apprentiscope_model, "create_user", probing(sandbox.store, create, seen))
    new_user(apprentiscope_api)
    assert seen == [True]
    assert held_by_this_thread(sandbox.store) is False


def test_a_factory_method_runs_holding_the_store_lock(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    create = apprentiscope_model.create_partner
    monkeypatch.setattr(apprentiscope_model, "create_partner", probing(sandbox.store, create, seen))
    factory = ApprentiscopeFactory(sandbox.store, sandbox.store.vendor("apprentiscope"))
    # ``employer`` calls ``partner``: the lock is taken again by the same thread.
    assert factory.employer(title="Acme")["title"] == "Acme"
    assert seen == [True]


def test_a_control_plane_action_runs_holding_the_store_lock(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(invites, "outbox", probing(sandbox.store, invites.outbox, seen))
    with sync_client(sandbox) as control:
        answer = control.get("/__sandbox__/apis/coursepath/actions/outbox")
    assert answer.status_code == 200, answer.text
    assert seen == [True]


def test_with_data_calls_with_the_vendors_data_holding_the_lock(sandbox: Sandbox) -> None:
    ctx = sandbox.contexts["coursepath"]
    answer = with_data(ctx, lambda data, extra: (data.name, extra, held_by_this_thread(sandbox.store)))
    assert answer("x") == ("coursepath", "x", True)


def test_a_coroutine_cannot_run_under_the_lock(sandbox: Sandbox) -> None:
    async def handler() -> None:
        return None

    with pytest.raises(TypeError, match="coroutine"):
        serialised(sandbox.store, handler)
