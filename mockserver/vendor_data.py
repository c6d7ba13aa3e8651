"""One vendor's data: its named collections of JSON records, indexes, and seeded generators.

A ``VendorData`` owns its own seeded ``random.Random`` and ``Faker``, derived from the sandbox seed and
the vendor name, so one vendor's data does not change when another vendor is added or removed. Its
``checkpoint``/``rewind`` keep and put back the whole state; the ``Store`` orchestrates them.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from faker import Faker

from .collection import Changes, Collection, Index, IndexSpec, KeyFn, Tracked, TrackedExtras, ValueFn
from .collection import Record as Record
from .copies import Frozen, Generator, Part, clone, freeze, thaw
from .errors import DuplicateKey, SnapshotError

Seeder = Callable[["VendorData"], None]
# Told of every event a vendor's rules emit: (API, event, fields).
Listener = Callable[[str, str, Mapping[str, str]], None]
_ID_ALPHABET = string.ascii_letters + string.digits
# Extras under a key starting with this are kept in memory only (see ``VendorData.extras``).
TRANSIENT = "transient."
_Id = TypeVar("_Id", str, int)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A vendor's whole state at one moment: records, extras and where both generators stand.

    Records and extras are kept frozen (see ``freeze``), so the checkpoint never changes.
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
        # The Faker is made on first use (a fork that never draws a name never pays for one); it draws
        # from ``_faker_random``, which alone holds its position.
        self._faker: Faker | None = None
        self._faker_random = Generator()
        # A fork's parent: the providers its seeders added to its Faker are added to the fork's.
        self._parent: VendorData | None = None
        self._random = Generator()
        # Off until ``track`` turns it on (the state file does): what callers may have changed.
        self._changes: Changes | None = None
        # Readers see plain dicts of id -> record; each is a Collection that keeps its indexes current.
        self._collections: dict[str, dict[str, Record]] = {}
        # A fork's collections not copied yet: each is thawed from the seeded state on first use.
        self._pending: dict[str, Part] = {}
        self._extras: dict[str, Any] = {}
        # Who hears the events the vendor's rules emit (webhooks); silent while a seeder runs.
        self.listeners: list[Listener] = []
        self.seeding = False
        # Declared indexes by collection, then field; they outlive every reset, import and restore.
        self._specs: dict[str, dict[str, IndexSpec]] = {}
        self.reseed(seed)

    @property
    def random(self) -> random.Random:
        """The vendor's seeded generator (never the global one)."""
        self._note_generators()
        return self._random.get()

    def _note_generators(self) -> None:
        if self._changes is not None:
            self._changes.generators = True

    @property
    def faker(self) -> Faker:
        """The vendor's seeded Faker."""
        self._note_generators()
        if self._faker is None:
            made: Any = Faker("en_US")
            made.random = self._faker_random.get()
            parent = self._parent._faker if self._parent is not None else None
            if parent is not None:
                have = {type(p) for p in made.get_providers()}
                for provider in parent.get_providers():
                    if type(provider) not in have:
                        made.add_provider(type(provider))
            self._faker = made
        return self._faker

    @property
    def collections(self) -> dict[str, dict[str, Record]]:
        """Every collection by name (a fork's not yet copied ones are copied first)."""
        if self._pending:
            for name in list(self._pending):
                self._materialise(name)
        return self._collections

    @collections.setter
    def collections(self, value: dict[str, dict[str, Record]]) -> None:
        self._pending = {}
        self._collections = value

    def _materialise(self, name: str) -> None:
        part = self._pending.pop(name)
        self._collections[name] = self._collection(name, thaw(part.records))

    def counts(self) -> dict[str, int]:
        """How many records each collection holds (a fork's uncopied ones counted without copying)."""
        found = {name: len(part.ids) for name, part in self._pending.items()}
        return {**found, **{name: len(records) for name, records in self._collections.items()}}

    def copied(self) -> tuple[int, int]:
        """How many collections this fork copied, and an estimate of their size in bytes (pickled)."""
        size = 0
        for records in self._collections.values():
            frozen = freeze(dict(records)) if records else b""
            size += len(frozen) if isinstance(frozen, bytes) else 0
        return len(self._collections), size

    @property
    def extras(self) -> dict[str, Any]:
        """State of the vendor's rules that is not records (counters, tokens, the scenario's "today").

        A key starting with ``TRANSIENT`` is kept in memory only: the state file does not hold it.
        """
        return self._extras

    @extras.setter
    def extras(self, values: dict[str, Any]) -> None:
        if self._changes is None:
            self._extras = values
        else:
            self._extras = TrackedExtras(values, self._changes)
            self._changes.extras = None

    def track(self) -> Changes:
        """Note from now on what callers may change (records and extras reached, generators used)."""
        if self._changes is None:
            self._changes = Changes()
            self._replace({name: dict(records) for name, records in self.collections.items()})
            self.extras = dict(self._extras)
        return self._changes

    def generators(self) -> tuple[Any, Any]:
        """Where both generators stand: ``getstate()`` of the random and of the Faker's."""
        return self._random.state(), self._faker_random.state()

    def set_generators(self, states: tuple[Any, Any]) -> None:
        """Put both generators where ``generators`` found them."""
        self._random.start(states[0])
        self._faker_random.start(states[1])

    @property
    def changes(self) -> Changes | None:
        """The log ``track`` keeps (None when it is off)."""
        return self._changes

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
        self._replace({})
        self.extras = {}
        self._note_generators()
        self._random.start(f"{self.name}:{seed}")
        self._faker_random.start(f"{self.name}:{seed}")

    def emit(self, event: str, fields: Mapping[str, str]) -> None:
        """Tell the listeners of ``event`` (a state change a webhook reports); silent while seeding."""
        if self.seeding:
            return
        for listener in self.listeners:
            listener(self.name, event, dict(fields))

    def collection(self, name: str) -> Collection:
        """The records of collection ``name`` keyed by id (created empty on first use)."""
        found = self._collections.get(name)
        if found is None and name in self._pending:
            self._materialise(name)
            found = self._collections[name]
        if not isinstance(found, Collection) or (
            self._changes is not None and not isinstance(found, Tracked)
        ):
            # A plain dict put in ``collections`` by hand is adopted, indexes and all.
            found = self._collection(name, found)
            self._collections[name] = found
            if self._changes is not None:
                self._changes.whole.add(name)
        return found

    def _collection(self, name: str, records: Mapping[str, Record] | None) -> Collection:
        specs = self._specs.get(name, {}).values()
        if self._changes is None:
            return Collection(records, specs)
        return Tracked(records, specs, name, self._changes)

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
            collections=freeze(collections),
            extras=freeze(self.extras),
            random_state=self._random.state(),
            faker_state=self._faker_random.state(),
        )

    def rewind(self, checkpoint: Checkpoint) -> None:
        """Put back the state of ``checkpoint`` (copied, so the checkpoint stays as it was)."""
        self._replace(thaw(checkpoint.collections))
        self.extras = thaw(checkpoint.extras)
        self._note_generators()
        self._random.start(checkpoint.random_state)
        self._faker_random.start(checkpoint.faker_state)

    def fork_from(
        self, checkpoint: Checkpoint, parts: Mapping[str, Part], specs: VendorData, salt: str
    ) -> None:
        """Start from ``checkpoint`` (``parts`` being its collections), each collection copied on first
        use; with the indexes ``specs`` declares, and the Faker providers its seeders added.

        Both generators restart from ``salt`` (the seed and a session's name): two sessions draw
        different ids and names, each the same on every run.
        """
        # The declarations are shared, not copied: every session declares the same indexes, with the
        # same code (each collection builds its own from them).
        self._specs = specs._specs
        self._parent = specs
        self._collections = {}
        self._pending = dict(parts)
        self.extras = thaw(checkpoint.extras)
        self._random.start(f"{self.name}:{salt}")
        self._faker_random.start(f"{self.name}:{salt}:faker")

    def _replace(self, collections: dict[str, dict[str, Record]]) -> None:
        # Fresh Collections rebuild every declared index from the records they are given.
        self.collections = {name: self._collection(name, records) for name, records in collections.items()}
        if self._changes is not None:
            self._changes.replaced = True

    def new_id(self, collection: str | None = None, length: int = 20) -> str:
        """A fresh Firestore-style id (see ``fresh``)."""
        return self.fresh(
            lambda: "".join(self.random.choice(_ID_ALPHABET) for _ in range(length)), collection
        )

    def fresh(self, draw: Callable[[], _Id], collection: str | None = None) -> _Id:
        """``draw()`` again until it names no record: of ``collection``, or of any collection when none is
        named. Every vendor allocates ids through this (or ``taken``), so an id drawn after a restore,
        whose records were made before the generator was rewound, never collides with one of them."""
        while True:
            candidate = draw()
            if collection in self._pending:
                self._materialise(collection)
            if not (
                candidate in self._collections.get(collection, {}) if collection else self.taken(candidate)
            ):
                return candidate

    def taken(self, rid: object) -> bool:
        """Whether a record of any collection is keyed ``rid`` (a number also as its digits)."""
        keys = (rid, str(rid)) if isinstance(rid, int) else (rid,)
        return any(key in records for records in self._collections.values() for key in keys) or any(
            key in part.ids for part in self._pending.values() for key in keys
        )

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
