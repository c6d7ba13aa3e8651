"""The Store: the only mutable state of a sandbox app, one per app.

Each vendor owns a ``VendorData``: named collections of JSON records plus its own seeded
``random.Random`` and ``Faker``, derived from the sandbox seed and the vendor name, so one
vendor's data does not change when another vendor is added or removed.

Lookups by a field go through declared indexes (``VendorData.index``), kept current by every write
to a collection and rebuilt whenever collections are replaced (reset, import, restore). A reset puts
back a checkpoint taken right after seeding, so Faker runs once per seed, not once per test.
"""

from __future__ import annotations

import copy
import pickle
import random
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from faker import Faker

from .collection import Collection, Index, IndexSpec, KeyFn, ValueFn
from .collection import Record as Record
from .errors import DuplicateKey, SnapshotError, UnknownApi, UnknownSnapshot

Seeder = Callable[["VendorData"], None]
# Told of every event a vendor's rules emit: (API, event, fields).
Listener = Callable[[str, str, Mapping[str, str]], None]
# Checks one API's state (as made by ``export``) before it replaces anything; raises SnapshotError.
StateCheck = Callable[[str, Mapping[str, Any]], None]

SNAPSHOT_FORMAT = 1
# A snapshot name: it travels in URL paths and file names.
_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "-_.")
_ID_ALPHABET = string.ascii_letters + string.digits
# How many seeds a store keeps the freshly seeded state of (a test suite uses one or a few).
SEEDED_CACHE_SIZE = 8
_ATOMS = (str, int, float, bool, type(None))
_T = TypeVar("_T")


def clone(value: _T) -> _T:
    """A deep copy of JSON-shaped data, about three times faster than ``copy.deepcopy`` on it.

    Handlers answer with it: serialisation happens after the store's lock is released.
    """
    return cast(_T, _cloned(value))


def _cloned(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _cloned(v) for k, v in value.items()}
    if kind is list:
        return [_cloned(v) for v in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


@dataclass(frozen=True, slots=True)
class Copied:
    """A private deep copy of data that does not pickle."""

    value: Any


# Pickled bytes, or a private copy of what pickle refused.
Frozen = bytes | Copied


def _freeze(value: Any) -> Frozen:
    """``value`` kept so that ``_thaw`` gives a fresh deep copy each time.

    Pickling is the fastest deep copy Python has (one C call instead of a walk through every record).
    It refuses some objects, e.g. instances of a class whose module was imported again (pytester runs
    do that): those are deep-copied instead.
    """
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return Copied(copy.deepcopy(value))


def _thaw(frozen: Frozen) -> Any:
    if isinstance(frozen, bytes):
        return pickle.loads(frozen)
    return copy.deepcopy(frozen.value)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A vendor's whole state at one moment: records, extras and where both generators stand.

    Records and extras are kept frozen (see ``_freeze``), so the checkpoint never changes.
    """

    collections: Frozen
    extras: Frozen
    random_state: Any
    faker_state: Any


class VendorData:
    """One vendor's collections and its deterministic generators."""

    def __init__(self, name: str, seed: int, clock: Callable[[], float] = time.time) -> None:
        self.name = name
        # The sandbox clock (seconds since the epoch): "now" for the vendor's rules and timestamps.
        self.clock = clock
        self.faker = Faker("en_US")
        self.random = random.Random()
        # Readers see plain dicts of id -> record; each is a Collection that keeps its indexes current.
        self.collections: dict[str, dict[str, Record]] = {}
        self.extras: dict[str, Any] = {}
        # Who hears the events the vendor's rules emit (webhooks); silent while a seeder runs.
        self.listeners: list[Listener] = []
        self.seeding = False
        # Declared indexes by collection, then field; they outlive every reset, import and restore.
        self._specs: dict[str, dict[str, IndexSpec]] = {}
        self.reseed(seed)

    @contextmanager
    def clock_held_at(self, moment: datetime) -> Iterator[None]:
        """The clock stopped at ``moment`` for the block: a seeder's records go through the vendor's
        rules dated before the scenario's anchor, so a seed gives the same data on any day."""
        kept = self.clock
        self.clock = moment.timestamp
        try:
            yield
        finally:
            self.clock = kept

    def clock_shift(self) -> timedelta:
        """Whole days the sandbox clock stands from the real date (0 unless a test moved it).

        A vendor whose "today" is anchored in its scenario (so data never goes stale) moves it by
        this much, so advancing the sandbox clock ages its records too.
        """
        moved = datetime.fromtimestamp(self.clock(), UTC).date()
        return moved - datetime.now(UTC).date()

    def reseed(self, seed: int) -> None:
        """Forget every record and restart both generators from ``seed``."""
        self.collections = {}
        self.extras = {}
        self.random.seed(f"{self.name}:{seed}")
        self.faker.seed_instance(f"{self.name}:{seed}")

    def emit(self, event: str, fields: Mapping[str, str]) -> None:
        """Tell the listeners of ``event`` (a state change a webhook reports); silent while seeding."""
        if self.seeding:
            return
        for listener in self.listeners:
            listener(self.name, event, dict(fields))

    def collection(self, name: str) -> Collection:
        """The records of collection ``name`` keyed by id (created empty on first use)."""
        found = self.collections.get(name)
        if not isinstance(found, Collection):
            # A plain dict put in ``collections`` by hand is adopted, indexes and all.
            found = Collection(found, self._specs.get(name, {}).values())
            self.collections[name] = found
        return found

    # indexes
    def index(
        self,
        collection: str,
        field: str,
        *,
        unique: bool = False,
        key: KeyFn | None = None,
        value: ValueFn | None = None,
    ) -> Index:
        """Declare an index of ``collection`` on ``field`` (once; later calls return it) and return it.

        Args:
            unique: ``insert`` and ``update`` refuse a second record with the same key
                (records loaded from imported state are taken as they are).
            key: normalises values before filing and looking up, e.g. ``str.casefold``; a module-level
                function, so that declaring again with it is recognised as the same index.
            value: computes the indexed value from ``(id, record)`` instead of reading ``field``.

        Example:
            >>> data.index("users", "email", unique=True, key=str.casefold).ids("Ada@Example.com")
        """
        spec = IndexSpec(field, unique, key, value)
        declared = self._specs.setdefault(collection, {}).setdefault(field, spec)
        if declared != spec:
            raise ValueError(f"index {collection}.{field} is already declared as {declared}, not {spec}")
        return self.collection(collection).add_index(spec)

    def find(self, collection: str, field: str, value: Any) -> list[Record]:
        """Records of ``collection`` whose indexed ``field`` has ``value``, in collection order.

        ``field`` must have been declared with ``index``; the key function applies to ``value``.
        """
        records = self.collection(collection)
        if field not in self._specs.get(collection, {}):
            raise LookupError(f"{self.name}: no index on {collection}.{field}; declare it with index()")
        return records.in_order(records.add_index(self._specs[collection][field]).ids(value))

    # writes that check unique indexes
    def insert(self, collection: str, record: Record) -> Record:
        """Store ``record`` (which has its ``id``) as a new record of ``collection``."""
        records = self.collection(collection)
        rid = record["id"]
        if rid in records:
            raise DuplicateKey(f"{self.name}: {collection} already has a record with id {rid!r}")
        self._check_unique(collection, rid, record)
        records[rid] = record
        return record

    def update(self, collection: str, rid: str, fields: Mapping[str, Any]) -> Record:
        """Change fields of record ``rid`` in place and re-file it in every index; returns the record."""
        records = self.collection(collection)
        record = records[rid]
        self._check_unique(collection, rid, {**record, **fields})
        record.update(fields)
        records.reindex(rid)
        return record

    def delete(self, collection: str, rid: str) -> Record:
        """Remove record ``rid`` (``KeyError`` when there is none) and return it."""
        return self.collection(collection).pop(rid)  # type: ignore[no-any-return]

    def _check_unique(self, collection: str, rid: str, record: Record) -> None:
        for field, index in self.collection(collection).indexes().items():
            other = index.taken_by(rid, record) if index.spec.unique else None
            if other is not None:
                raise DuplicateKey(
                    f"{self.name}: {collection}.{field} {record.get(field)!r} is already used by {other!r}"
                )

    # checkpoints
    def checkpoint(self) -> Checkpoint:
        """A private copy of the whole state, generators included."""
        collections = {name: dict(records) for name, records in self.collections.items()}
        return Checkpoint(
            collections=_freeze(collections),
            extras=_freeze(self.extras),
            random_state=self.random.getstate(),
            faker_state=self.faker.random.getstate(),
        )

    def rewind(self, checkpoint: Checkpoint) -> None:
        """Put back the state of ``checkpoint`` (copied, so the checkpoint stays as it was)."""
        self._replace(_thaw(checkpoint.collections))
        self.extras = _thaw(checkpoint.extras)
        self.random.setstate(checkpoint.random_state)
        self.faker.random.setstate(checkpoint.faker_state)

    def _replace(self, collections: dict[str, dict[str, Record]]) -> None:
        # Fresh Collections rebuild every declared index from the records they are given.
        self.collections = {
            name: Collection(records, self._specs.get(name, {}).values())
            for name, records in collections.items()
        }

    def new_id(self, collection: str | None = None, length: int = 20) -> str:
        """A fresh Firestore-style id, unique within ``collection`` when one is named."""
        records = self.collections.get(collection, {}) if collection else {}
        while True:
            candidate = "".join(self.random.choice(_ID_ALPHABET) for _ in range(length))
            if candidate not in records:
                return candidate

    def export(self) -> dict[str, Any]:
        """A deep, JSON-ready copy of every collection."""
        return {"collections": {name: clone(dict(records)) for name, records in self.collections.items()}}

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace every collection with ``state`` (as made by ``export``)."""
        self.check(state)
        self._replace(clone(state["collections"]))

    def check(self, state: Mapping[str, Any]) -> None:
        """Raise ``SnapshotError`` unless ``state`` has the shape ``export`` makes."""
        collections = state.get("collections")
        if not isinstance(collections, dict):
            raise SnapshotError(f"state for {self.name!r} needs a 'collections' object")
        for cname, records in collections.items():
            if not isinstance(records, dict):
                raise SnapshotError(f"collection {cname!r} must be an object of id -> record")
            for rid, record in records.items():
                if not isinstance(record, dict):
                    raise SnapshotError(f"record {cname}/{rid} must be an object")


class Store:
    """Per-vendor collections behind one lock, with reset, snapshot and restore.

    Handlers may run in a thread pool, so every read-modify-write goes through ``locked()``.
    """

    def __init__(
        self,
        seeders: Mapping[str, Seeder],
        seed: int = 0,
        *,
        clock: Callable[[], float] = time.time,
        check: StateCheck | None = None,
    ) -> None:
        self._lock = threading.RLock()
        # Vetting of every state put in from outside (import, restore, named snapshots, seeding).
        self._check = check
        # Named snapshots: name -> {"seed", "apis": {api: exported state}}. Saved state, not data:
        # a reset keeps them.
        self._snapshots: dict[str, dict[str, Any]] = {}
        self._seeders = dict(seeders)
        self._vendors = {name: VendorData(name, seed, clock) for name in self._seeders}
        self.seed = seed
        self._reset_hooks: list[Callable[[], None]] = []
        # Each vendor's state right after seeding, per seed: a reset rewinds to it instead of reseeding.
        self._seeded: OrderedDict[int, dict[str, Checkpoint]] = OrderedDict()
        # The APIs whose data may have changed since the last reset, and the seed that reset used:
        # a reset rewinds only those (every API when the seed changes).
        self._touched: set[str] = set(self._seeders)
        self._state_seed: int | None = None
        self.reset(seed)

    @property
    def apis(self) -> list[str]:
        return list(self._vendors)

    @contextmanager
    def locked(self) -> Iterator[Store]:
        with self._lock:
            yield self

    def vendor(self, name: str) -> VendorData:
        """``name``'s data; whoever asks may change it, so the next reset rewinds it."""
        try:
            found = self._vendors[name]
        except KeyError:
            raise UnknownApi(name, list(self._vendors)) from None
        self._touched.add(name)
        return found

    def touch(self, name: str) -> None:
        """Note that ``name``'s data may change (a request reached its app), so a reset rewinds it."""
        self._touched.add(name)

    def on_event(self, listener: Listener) -> None:
        """Call ``listener(api, event, fields)`` for every event a vendor's rules emit."""
        for data in self._vendors.values():
            data.listeners.append(listener)

    def on_reset(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every reset (for state kept outside the collections, e.g. limiters)."""
        self._reset_hooks.append(hook)

    def reset(self, seed: int | None = None) -> None:
        """Put every vendor's data back as seeding from ``seed`` (default: the current seed) makes it.

        The seeders run only the first time a seed is seen; later resets rewind to a checkpoint
        taken right after that seeding, generators included, so what follows is the same either way.
        """
        with self._lock:
            if seed is not None:
                self.seed = seed
            seeded = self._seeded.get(self.seed)
            if seeded is None:
                seeded = {}
                for name, data in self._vendors.items():
                    data.reseed(self.seed)
                    data.seeding = True
                    try:
                        self._seeders[name](data)
                    finally:
                        data.seeding = False
                    if self._check is not None:
                        self._check(name, data.export())
                    seeded[name] = data.checkpoint()
                self._seeded[self.seed] = seeded
                while len(self._seeded) > SEEDED_CACHE_SIZE:
                    self._seeded.popitem(last=False)
            else:
                self._seeded.move_to_end(self.seed)
                everything = self._state_seed != self.seed
                for name, data in self._vendors.items():
                    if everything or name in self._touched:
                        data.rewind(seeded[name])
            self._touched.clear()
            self._state_seed = self.seed
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
        """Replace one API's state with ``state`` (as made by ``export``), once it passes every check."""
        if state.get("api", api) != api:
            raise SnapshotError(f"this state belongs to API {state.get('api')!r}, not {api!r}")
        with self._lock:
            self._vet(api, state)
            self.vendor(api).load(state)

    def _vet(self, api: str, state: Mapping[str, Any]) -> None:
        data = self._vendors.get(api)
        if data is None:
            raise UnknownApi(api, list(self._vendors))
        data.check(state)
        if self._check is not None:
            self._check(api, state)

    def snapshot(self) -> dict[str, Any]:
        """Every API's state as JSON-ready data."""
        with self._lock:
            return {
                "format": SNAPSHOT_FORMAT,
                "seed": self.seed,
                "apis": {name: data.export() for name, data in self._vendors.items()},
            }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Put back the state of every API in ``snapshot`` (as made by ``snapshot``).

        Every API's state is checked first: a bad one changes nothing.
        """
        apis = snapshot.get("apis")
        if not isinstance(apis, dict):
            raise SnapshotError("a snapshot needs an 'apis' object of API name -> state")
        with self._lock:
            for name, state in apis.items():
                if not isinstance(state, dict):
                    raise SnapshotError(f"the state of API {name!r} must be an object")
                self._vet(name, state)
            for name, state in apis.items():
                self.vendor(name).load(state)
            if isinstance(snapshot.get("seed"), int):
                self.seed = snapshot["seed"]

    # named snapshots

    def save_snapshot(self, name: str, apis: list[str] | None = None) -> dict[str, Any]:
        """Save the state of ``apis`` (default: every API) as snapshot ``name``, replacing one so named."""
        if not name or len(name) > 100 or not set(name) <= _NAME_CHARS:
            raise SnapshotError(
                f"a snapshot name is 1 to 100 letters, digits, '-', '_' or '.', got {name[:100]!r}"
            )
        with self._lock:
            chosen = list(dict.fromkeys(apis)) if apis else self.apis
            for api in chosen:
                if api not in self._vendors:
                    raise UnknownApi(api, list(self._vendors))
            self._snapshots[name] = {
                "seed": self.seed,
                "apis": {api: self._vendors[api].export() for api in chosen},
            }
            return self._describe(name)

    def _describe(self, name: str) -> dict[str, Any]:
        saved = self._snapshots[name]
        return {"name": name, "seed": saved["seed"], "apis": list(saved["apis"])}

    def snapshots(self) -> list[dict[str, Any]]:
        """The named snapshots, in the order they were first saved."""
        with self._lock:
            return [self._describe(name) for name in self._snapshots]

    def _named(self, name: str) -> dict[str, Any]:
        try:
            return self._snapshots[name]
        except KeyError:
            known = ", ".join(self._snapshots) or "none"
            raise UnknownSnapshot(f"no snapshot named {name!r}; saved: {known}") from None

    def restore_snapshot(self, name: str) -> dict[str, Any]:
        """Put back the APIs saved in snapshot ``name`` (the others are left as they are)."""
        with self._lock:
            saved = self._named(name)
            for api, state in saved["apis"].items():
                self._vet(api, state)
            for api, state in saved["apis"].items():
                self.vendor(api).load(state)
            return self._describe(name)

    def delete_snapshot(self, name: str) -> None:
        """Forget snapshot ``name``."""
        with self._lock:
            self._named(name)
            del self._snapshots[name]

    # everything, as the state file holds it

    def dump(self) -> dict[str, Any]:
        """Every API's state and every named snapshot, JSON-ready."""
        with self._lock:
            return {
                **self.snapshot(),
                "snapshots": {name: clone(saved) for name, saved in self._snapshots.items()},
            }

    def load_dump(self, dump: Mapping[str, Any]) -> None:
        """Put back what ``dump`` made, after checking all of it (a bad part changes nothing)."""
        snapshots = dump.get("snapshots", {})
        if not isinstance(snapshots, dict):
            raise SnapshotError("'snapshots' must be an object of name -> snapshot")
        with self._lock:
            for name, saved in snapshots.items():
                apis = saved.get("apis") if isinstance(saved, dict) else None
                if not isinstance(apis, dict) or not isinstance(saved.get("seed"), int):
                    raise SnapshotError(f"snapshot {name!r} needs a 'seed' and an 'apis' object")
                for api, state in apis.items():
                    if not isinstance(state, dict):
                        raise SnapshotError(f"snapshot {name!r}: the state of API {api!r} must be an object")
                    try:
                        self._vet(api, state)
                    except SnapshotError as exc:
                        raise SnapshotError(f"snapshot {name!r}: {exc}") from None
            self.restore(dump)
            self._snapshots = {name: clone(saved) for name, saved in snapshots.items()}
