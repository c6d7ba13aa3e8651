"""The Store: the only mutable state of a sandbox app, one per app.

Each vendor owns a ``VendorData``: named collections of JSON records plus its own seeded
``random.Random`` and ``Faker``, derived from the sandbox seed and the vendor name, so one
vendor's data does not change when another vendor is added or removed.
"""

from __future__ import annotations

import copy
import random
import string
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from faker import Faker

from .errors import SnapshotError, UnknownApi

Record = dict[str, Any]
Seeder = Callable[["VendorData"], None]

SNAPSHOT_FORMAT = 1
_ID_ALPHABET = string.ascii_letters + string.digits


class VendorData:
    """One vendor's collections and its deterministic generators."""

    def __init__(self, name: str, seed: int) -> None:
        self.name = name
        self.faker = Faker("en_US")
        self.random = random.Random()
        self.collections: dict[str, dict[str, Record]] = {}
        self.extras: dict[str, Any] = {}
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Forget every record and restart both generators from ``seed``."""
        self.collections = {}
        self.extras = {}
        self.random.seed(f"{self.name}:{seed}")
        self.faker.seed_instance(f"{self.name}:{seed}")

    def collection(self, name: str) -> dict[str, Record]:
        """The records of collection ``name`` keyed by id (created empty on first use)."""
        return self.collections.setdefault(name, {})

    def new_id(self, collection: str | None = None, length: int = 20) -> str:
        """A fresh Firestore-style id, unique within ``collection`` when one is named."""
        records = self.collections.get(collection, {}) if collection else {}
        while True:
            candidate = "".join(self.random.choice(_ID_ALPHABET) for _ in range(length))
            if candidate not in records:
                return candidate

    def export(self) -> dict[str, Any]:
        """A deep, JSON-ready copy of every collection."""
        return {"collections": copy.deepcopy(self.collections)}

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace every collection with ``state`` (as made by ``export``)."""
        collections = state.get("collections")
        if not isinstance(collections, dict):
            raise SnapshotError(f"state for {self.name!r} needs a 'collections' object")
        for cname, records in collections.items():
            if not isinstance(records, dict):
                raise SnapshotError(f"collection {cname!r} must be an object of id -> record")
            for rid, record in records.items():
                if not isinstance(record, dict):
                    raise SnapshotError(f"record {cname}/{rid} must be an object")
        self.collections = copy.deepcopy(collections)


class Store:
    """Per-vendor collections behind one lock, with reset, snapshot and restore.

    Handlers may run in a thread pool, so every read-modify-write goes through ``locked()``.
    """

    def __init__(self, seeders: Mapping[str, Seeder], seed: int = 0) -> None:
        self._lock = threading.RLock()
        self._seeders = dict(seeders)
        self._vendors = {name: VendorData(name, seed) for name in self._seeders}
        self.seed = seed
        self._reset_hooks: list[Callable[[], None]] = []
        self.reset(seed)

    @property
    def apis(self) -> list[str]:
        return list(self._vendors)

    @contextmanager
    def locked(self) -> Iterator[Store]:
        with self._lock:
            yield self

    def vendor(self, name: str) -> VendorData:
        try:
            return self._vendors[name]
        except KeyError:
            raise UnknownApi(name, list(self._vendors)) from None

    def on_reset(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every reset (for state kept outside the collections, e.g. limiters)."""
        self._reset_hooks.append(hook)

    def reset(self, seed: int | None = None) -> None:
        """Regenerate every vendor's data from ``seed`` (default: the current seed)."""
        with self._lock:
            if seed is not None:
                self.seed = seed
            for name, data in self._vendors.items():
                data.reseed(self.seed)
                self._seeders[name](data)
            for hook in self._reset_hooks:
                hook()

    def export(self, api: str) -> dict[str, Any]:
        """One API's state as JSON-ready data."""
        with self._lock:
            return {
                "format": SNAPSHOT_FORMAT,
                "api": api,
                "seed": self.seed,
                **self.vendor(api).export(),
            }

    def import_(self, api: str, state: Mapping[str, Any]) -> None:
        """Replace one API's state with ``state`` (as made by ``export``)."""
        if state.get("api", api) != api:
            raise SnapshotError(f"this state belongs to API {state.get('api')!r}, not {api!r}")
        with self._lock:
            self.vendor(api).load(state)

    def snapshot(self) -> dict[str, Any]:
        """Every API's state as JSON-ready data."""
        with self._lock:
            return {
                "format": SNAPSHOT_FORMAT,
                "seed": self.seed,
                "apis": {name: data.export() for name, data in self._vendors.items()},
            }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Put back the state of every API in ``snapshot`` (as made by ``snapshot``)."""
        apis = snapshot.get("apis")
        if not isinstance(apis, dict):
            raise SnapshotError("a snapshot needs an 'apis' object of API name -> state")
        unknown = set(apis) - set(self._vendors)
        if unknown:
            raise UnknownApi(sorted(unknown)[0], list(self._vendors))
        with self._lock:
            for name, state in apis.items():
                self._vendors[name].load(state)
            if isinstance(snapshot.get("seed"), int):
                self.seed = snapshot["seed"]
