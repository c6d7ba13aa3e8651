"""SkyPrep handlers: one per call, serving both its POST operation and its deprecated GET twin.

``FoldParameters`` has already put every parameter where the spec validates it: a POST's JSON body or
a GET's query. A handler takes either and calls the model.
"""

from __future__ import annotations

from typing import Any

import connexion

from ...specs import spec_operations
from ...store import Record
from ..base import Handler, VendorContext
from . import model

SUCCESS = {"message": "success"}


def _params(body: Any, query: dict[str, Any]) -> dict[str, Any]:
    """A call's parameters: the POST body, or the GET query (credentials and format left out)."""
    given = body if isinstance(body, dict) else query
    return {k: v for k, v in given.items() if k not in ("api_key", "acct_key", "format")}


def _base_url() -> str:
    """The URL the vendor is served at (the host's own, under its prefix), for links it hands out."""
    url = str(connexion.request.url)
    return url.split("/admin/api/", 1)[0]


class Handlers:
    """The handlers of one SkyPrep app, bound to its store."""

    def __init__(self, ctx: VendorContext) -> None:
        self.store = ctx.store
        self.data = ctx.data
        # available_api_calls answers the call names: the POST operations of the documents served.
        self.calls = [
            str(op["operationId"])
            for spec in ctx.specs.values()
            for m, _, op in spec_operations(spec)
            if m == "post"
        ]

    def _user(self, params: dict[str, Any]) -> Record:
        return model.find_user(self.data, params.get("user_id"), params.get("user_email"))

    # connection
    def test_connection(self, body: Any = None, **query: Any) -> dict[str, str]:
        return dict(SUCCESS)

    def available_api_calls(self, body: Any = None, **query: Any) -> list[str]:
        return list(self.calls)

    # users
    def get_users(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(u) for u in model.list_users(self.data)]

    def get_user(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return model.public(self._user(_params(body, query)))

    def create_user(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return model.public(model.create_user(self.data, _params(body, query)))

    def update_user(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        with self.store.locked():
            return model.public(model.update_user(self.data, self._user(params), params))

    def destroy_user(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            model.destroy_user(self.data, self._user(_params(body, query)))
        return dict(SUCCESS)

    def get_login_key(self, body: Any = None, **query: Any) -> dict[str, str]:
        base = _base_url()
        with self.store.locked():
            return model.login_key(self.data, _params(body, query), base)

    # power users
    def get_power_users(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(u) for u in model.list_users(self.data, power_only=True)]

    def get_user_roles(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(r) for r in self.data.collection(model.ROLES).values()]

    def get_datasets(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(d) for d in self.data.collection(model.DATASETS).values()]

    def create_or_update_power_users(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(u) for u in model.make_power_users(self.data, _params(body, query))]

    def destroy_power_user(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            model.remove_power_user(self.data, self._user(_params(body, query)))
        return dict(SUCCESS)


def operations(ctx: VendorContext) -> dict[str, Handler]:
    """The operationId -> handler table of specs/skyprep.yaml: each call's POST, then its GET twin."""
    h = Handlers(ctx)
    calls: dict[str, Handler] = {
        "test_connection": h.test_connection,
        "available_api_calls": h.available_api_calls,
        "get_users": h.get_users,
        "get_user": h.get_user,
        "create_user": h.create_user,
        "update_user": h.update_user,
        "destroy_user": h.destroy_user,
        "get_login_key": h.get_login_key,
        "get_power_users": h.get_power_users,
        "get_user_roles": h.get_user_roles,
        "get_datasets": h.get_datasets,
        "create_or_update_power_users": h.create_or_update_power_users,
        "destroy_power_user": h.destroy_power_user,
    }
    # Every call takes GET too (deprecated): its operationId is the call name with a "Get" suffix.
    return {**calls, **{f"{name}Get": handler for name, handler in calls.items()}}
