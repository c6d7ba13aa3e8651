"""The Store: the only mutable state of a sandbox app, one per app.

Each vendor owns a ``VendorData`` (``mockserver.vendor_data``): named collections of JSON records plus
its own seeded ``random.Random`` and ``Faker``, derived from the sandbox seed and the vendor name, so
one vendor's data does not change when another vendor is added or removed.

Lookups by a field go through declared indexes (``VendorData.index``), kept current by every write
to a collection and rebuilt whenever collections are replaced (reset, import, restore). A reset puts
back a checkpoint taken right after seeding, so Faker runs once per seed, not once per test.
"""

from __future__ import annotations

import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

from .copies import Part, clone, parts_of
from .errors import SnapshotError, UnknownApi, UnknownSnapshot
from .vendor_data import Checkpoint, Listener, Record, Seeder, VendorData

# Where the vendors' rules and seeders import them from.
__all__ = ["Record", "Seeder", "Store", "VendorData", "clone"]

# Checks one API's state (as made by ``export``) before it replaces anything; raises SnapshotError.
StateCheck = Callable[[str, Mapping[str, Any]], None]

SNAPSHOT_FORMAT = 1
# A snapshot name: it travels in URL paths and file names.
_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "-_.")
# How many seeds a store keeps the freshly seeded state of (a test suite uses one or a few).
SEEDED_CACHE_SIZE = 8


class _Lock:
    """The store's re-entrant lock; ``on_release`` runs as its outermost holder lets go, still holding it.

    So whatever a holder changed is written (``serve --state-file``) before anyone else sees it, and
    before the holder's answer leaves.
    """

    __slots__ = ("_depth", "_lock", "on_release")

    def __init__(self, shared: threading.RLock | None = None) -> None:
        # A fork's lock is its parent's (``Store.fork``): one lock over every session's data.
        self._lock: threading.RLock = shared if shared is not None else threading.RLock()
        # Changed only by the thread holding the lock.
        self._depth = 0
        self.on_release: Callable[[], None] | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """As ``threading.RLock.acquire``."""
        taken = self._lock.acquire(blocking, timeout)
        if taken:
            self._depth += 1
        return taken

    def release(self) -> None:
        """As ``threading.RLock.release``, running ``on_release`` first when this is the outermost hold."""
        try:
            if self._depth == 1 and self.on_release is not None:
                self.on_release()
        finally:
            self._depth -= 1
            self._lock.release()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


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
        parent: Store | None = None,
        salt: str = "",
    ) -> None:
        # A fork (``fork``) shares its parent's lock, seeders and seeded states.
        self._parent = parent
        self._salt = salt
        self._lock: _Lock = _Lock(parent._lock._lock if parent is not None else None)
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
        self._seeded: OrderedDict[int, dict[str, Checkpoint]] = (
            OrderedDict() if parent is None else parent._seeded
        )
        # The same states, each collection frozen on its own, for forks: made when first forked.
        self._parts: dict[int, dict[str, dict[str, Part]]] = {} if parent is None else parent._parts
        # The APIs whose data may have changed since the last reset, and the seed that reset used:
        # a reset rewinds only those (every API when the seed changes).
        self._touched: set[str] = set(self._seeders)
        self._state_seed: int | None = None
        self.reset(seed)

    @property
    def apis(self) -> list[str]:
        return list(self._vendors)

    def fork(self, seed: int, clock: Callable[[], float], salt: str) -> Store:
        """A store of its own (session ``salt``'s) starting from the seeded state of ``seed``, each
        collection copied from it on first use, its generators restarted from ``salt``; it shares this
        store's lock, seeders and seeded states."""
        return Store(self._seeders, seed, clock=clock, check=self._check, parent=self, salt=salt)

    def counts(self) -> dict[str, dict[str, int]]:
        """API -> collection -> how many records it holds (without copying a fork's uncopied ones)."""
        with self._lock:
            return {name: data.counts() for name, data in self._vendors.items()}

    def _rewind(self, name: str, data: VendorData, checkpoint: Checkpoint) -> None:
        if self._parent is None:
            data.rewind(checkpoint)
            return
        parts = self._parts.setdefault(self.seed, {})
        if name not in parts:
            parts[name] = parts_of(checkpoint.collections)
        data.fork_from(checkpoint, parts[name], self._parent._vendors[name], f"{self.seed}:{self._salt}")

    @contextmanager
    def locked(self) -> Iterator[Store]:
        with self._lock:
            yield self

    def vendors(self) -> Mapping[str, VendorData]:
        """Every API's data, for readers of the whole store (the state file); ``vendor`` for writers."""
        return MappingProxyType(self._vendors)

    def saved_snapshots(self) -> Mapping[str, Mapping[str, Any]]:
        """The named snapshots as saved (each replaced, never changed, by a later save)."""
        return MappingProxyType(self._snapshots)

    def persist_with(self, write: Callable[[], None] | None) -> None:
        """Call ``write`` (holding the lock) each time the lock's outermost holder is done with it."""
        self._lock.on_release = write

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
                    self._parts.pop(self._seeded.popitem(last=False)[0], None)
            else:
                self._seeded.move_to_end(self.seed)
                everything = self._state_seed != self.seed
                for name, data in self._vendors.items():
                    if everything or name in self._touched:
                        self._rewind(name, data, seeded[name])
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
