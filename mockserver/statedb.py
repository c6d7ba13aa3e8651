"""The state file's database: SQLite in WAL mode, written before each answer that changed something.

One row per record (its JSON, and where it stands in its collection's order), per extras key (pickled:
extras hold tuples, dates and small dataclasses), per API's generators, per named snapshot, plus the
seed. Each write (``flush``) is one transaction holding only what changed since the last one: the data
layer notes every record, extras key and generator a caller reached (``mockserver.collection.Changes``),
and each of those is compared with what the file holds, kept here as the text last written.

The generators' state (two Mersenne Twister states, 5 KB) is written at most once a second, and by
``save``: ids are drawn through ``VendorData.fresh``, which skips every id a stored record has, so a
generator restarted a few draws behind never hands out a taken id.

``synchronous=NORMAL`` (the default) makes a commit survive the process being killed; ``FULL`` also
survives a power loss, with an fsync per commit.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import pickle
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from .collection import Changes, Collection
from .errors import StateFileError
from .store import Store, VendorData
from .vendor_data import TRANSIENT

STATE_DB_KIND = "lms-sandbox-state"
STATE_DB_FORMAT = 2
SYNC_MODES = {"normal": "NORMAL", "always": "FULL"}

# Records in a rowid table with a unique key: a record (~0.5 KB of JSON) is too big for the leaves of a
# WITHOUT ROWID table, where random ids would split a page of whole records on every few inserts.
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE collections (api TEXT, name TEXT, pos INTEGER, PRIMARY KEY (api, name)) WITHOUT ROWID;
CREATE TABLE records (api TEXT, collection TEXT, id, pos INTEGER, body TEXT, UNIQUE (api, collection, id));
CREATE TABLE extras (api TEXT, key TEXT, value BLOB, PRIMARY KEY (api, key)) WITHOUT ROWID;
CREATE TABLE generators (api TEXT PRIMARY KEY, state TEXT) WITHOUT ROWID;
CREATE TABLE snapshots (name TEXT PRIMARY KEY, pos INTEGER, body TEXT) WITHOUT ROWID;
"""
_UPSERT_RECORD = "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)"
_DELETE_RECORD = "DELETE FROM records WHERE api = ? AND collection = ? AND id = ?"
_UPSERT_EXTRA = "INSERT OR REPLACE INTO extras VALUES (?, ?, ?)"
_DELETE_EXTRA = "DELETE FROM extras WHERE api = ? AND key = ?"
_ABSENT = object()
# Seconds between two checkpoints, and the size the log is cut back to after one.
CHECKPOINT_EVERY = 1.0
WAL_SIZE_LIMIT = 64 * 1024 * 1024
log = logging.getLogger("mockserver")
# Seconds between two writes of the generators' state (see above).
GENERATORS_EVERY = 1.0
# Where a record stands in its collection, and its JSON text, as the file holds them.
Row = tuple[int, str]


def encode_record(record: Any) -> str:
    """A record's JSON text (integers beyond 64 bits through the standard library)."""
    try:
        return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _decode(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class _Unpickler(pickle.Unpickler):
    """Extras come back as data: containers, dates and the vendors' own dataclasses, nothing callable."""

    def find_class(self, module: str, name: str) -> Any:
        found = super().find_class(module, name)
        plain = module == "datetime" and found in (
            datetime.date,
            datetime.datetime,
            datetime.time,
            datetime.timedelta,
            datetime.timezone,
        )
        ours = module.startswith("mockserver.") and dataclasses.is_dataclass(found)
        if plain or ours or (module == "builtins" and found in (set, frozenset, complex)):
            return found
        raise pickle.UnpicklingError(f"an extras value may not hold {module}.{name}")


def _unpickle(blob: bytes) -> Any:
    import io

    return _Unpickler(io.BytesIO(blob)).load()


def _pickle(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _generators_text(states: tuple[Any, Any]) -> str:
    return json.dumps(states)


def _generators_of(text: str) -> tuple[Any, Any]:
    return tuple((version, tuple(words), gauss) for version, words, gauss in json.loads(text))  # type: ignore[return-value]


@dataclasses.dataclass
class _Mirror:
    """What the file holds of one API, to compare the store with."""

    names: list[str] = dataclasses.field(default_factory=list)
    rows: dict[str, dict[str, Row]] = dataclasses.field(default_factory=dict)
    extras: dict[str, bytes] = dataclasses.field(default_factory=dict)
    generators: str = ""


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that reads ``path`` and never writes it (nor checkpoints its log into it)."""
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def read_file(path: Path) -> dict[str, Any]:
    """What a state database holds, read only, as ``Store.dump`` makes it (for tests and tools)."""
    db = read_only(path)
    try:
        return _read(db)[0]
    finally:
        db.close()


def _read(
    db: sqlite3.Connection,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, tuple[Any, Any]]]:
    seed = db.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()
    apis: dict[str, dict[str, Any]] = {}
    for api, name in db.execute("SELECT api, name FROM collections ORDER BY api, pos"):
        apis.setdefault(api, {"collections": {}})["collections"][name] = {}
    for api, collection, rid, body in db.execute(
        "SELECT api, collection, id, body FROM records ORDER BY api, collection, pos"
    ):
        state = apis.setdefault(api, {"collections": {}})["collections"]
        state.setdefault(collection, {})[rid] = _decode(body)
    extras: dict[str, dict[str, Any]] = {}
    for api, key, blob in db.execute("SELECT api, key, value FROM extras"):
        extras.setdefault(api, {})[key] = _unpickle(blob)
    generators = {api: _generators_of(text) for api, text in db.execute("SELECT api, state FROM generators")}
    snapshots = {
        name: _decode(body) for name, body in db.execute("SELECT name, body FROM snapshots ORDER BY pos")
    }
    dump = {"apis": apis, "snapshots": snapshots, **({"seed": seed[0]} if seed else {})}
    return dump, extras, generators


class _Checkpointer:
    """Copies the log into the database file every ``CHECKPOINT_EVERY`` seconds, in its own thread and
    connection, without holding up writers (``PASSIVE``)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lms-sandbox-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None)
        try:
            while not self._stopping.wait(CHECKPOINT_EVERY):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:
                    # The next one tries again; the commits are safe in the log meanwhile.
                    log.warning("state file %s: checkpoint failed: %s", self._path, exc)
        finally:
            db.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


class StateDb:
    """One open state database; every method but ``read`` runs holding the store's lock."""

    def __init__(self, path: Path, sync: str = "normal") -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute(f"PRAGMA synchronous = {SYNC_MODES[sync]}")
            # Checkpoints (copying the log into the file, with an fsync) are the checkpointer's: an
            # answer waits for its own commit only.
            self._db.execute("PRAGMA wal_autocheckpoint = 0")
            self._db.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        except sqlite3.Error as exc:
            raise StateFileError(f"state file {path}: cannot be opened: {exc}") from None
        self._checkpointer = _Checkpointer(path)
        self._mirrors: dict[str, _Mirror] = {}
        self._seed: int | None = None
        self._snapshots: dict[str, Mapping[str, Any]] = {}
        self._generators_at = 0.0

    def close(self) -> None:
        self._checkpointer.stop()
        # The last connection to close checkpoints the whole log into the file.
        self._db.close()

    # reading, on start

    @staticmethod
    def kind_of(db: sqlite3.Connection) -> tuple[Any, Any]:
        """The file's (kind, format) from its meta table; raises ``sqlite3.Error`` when it has none."""
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('kind', 'format')").fetchall())
        return meta.get("kind"), meta.get("format")

    def read(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, tuple[Any, Any]]]:
        """The file as ``Store.load_dump`` takes it, then each API's extras and generators."""
        return _read(self._db)

    # writing

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StateFileError(f"state file {self.path}: cannot be written: {exc}") from None

    def write_all(self, store: Store) -> None:
        """Make the file hold the whole store (on start: a new file, a migrated one, a loaded one)."""
        mirrors = {api: _whole(data) for api, data in store.vendors().items()}
        with self._transaction() as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
            for table in ("meta", "collections", "records", "extras", "generators", "snapshots"):
                db.execute(f"DELETE FROM {table}")
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("kind", STATE_DB_KIND), ("format", STATE_DB_FORMAT), ("seed", store.seed)],
            )
            for api, mirror in mirrors.items():
                _insert_api(db, api, mirror)
            _write_snapshots(db, store.saved_snapshots())
        for data in store.vendors().values():
            if data.changes is not None:
                data.changes.take()
        self._mirrors = mirrors
        self._seed = store.seed
        self._snapshots = dict(store.saved_snapshots())

    def flush(self, store: Store, *, generators: bool = False) -> None:
        """Write what changed since the last write, in one transaction (nothing when nothing did).

        The generators' state goes too when ``generators`` is set or its interval has passed.
        """
        now = time.monotonic()
        due = generators or now - self._generators_at >= GENERATORS_EVERY
        taken: list[tuple[VendorData, Changes]] = []
        snapshots = store.saved_snapshots()
        store_changed = store.seed != self._seed or not _same(snapshots, self._snapshots)
        for data in store.vendors().values():
            changes = data.changes
            if changes:
                assert changes is not None
                taken.append((data, changes.take()))
        if not taken and not store_changed:
            return
        try:
            plans = [_plan(data, changes, self._mirrors[data.name], due) for data, changes in taken]
            plans = [plan for plan in plans if plan.writes]
            if not plans and not store_changed:
                return
            with self._transaction() as db:
                for plan in plans:
                    plan.run(db)
                if store_changed:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('seed', ?)", (store.seed,))
                    db.execute("DELETE FROM snapshots")
                    _write_snapshots(db, snapshots)
        except BaseException:
            for data, changes in taken:
                assert data.changes is not None
                data.changes.merge(changes)
            raise
        for plan in plans:
            plan.apply(self._mirrors)
        if due:
            self._generators_at = now
        else:
            # Not written yet: noted again, for a later write to take.
            for data, changes in taken:
                if changes.generators and data.changes is not None:
                    data.changes.generators = True
        self._seed = store.seed
        self._snapshots = dict(snapshots)


def _same(now: Mapping[str, Mapping[str, Any]], written: Mapping[str, Mapping[str, Any]]) -> bool:
    return list(now) == list(written) and all(now[name] is written[name] for name in now)


def _write_snapshots(db: sqlite3.Connection, snapshots: Mapping[str, Mapping[str, Any]]) -> None:
    db.executemany(
        "INSERT INTO snapshots VALUES (?, ?, ?)",
        [(name, pos, encode_record(saved)) for pos, (name, saved) in enumerate(snapshots.items())],
    )


def _rows(records: dict[str, Any]) -> dict[str, Row]:
    # dict.items: the file reading the records is no reason to note them as changed.
    position = records.position if isinstance(records, Collection) else None
    pairs: list[tuple[str, Any]] = list(dict.items(records))
    return {
        rid: (position(rid) if position else pos, encode_record(record))
        for pos, (rid, record) in enumerate(pairs)
    }


def _whole(data: VendorData) -> _Mirror:
    extras = data.extras
    return _Mirror(
        names=list(data.collections),
        rows={name: _rows(records) for name, records in data.collections.items()},
        extras={k: _pickle(v) for k, v in dict.items(extras) if not k.startswith(TRANSIENT)},
        generators=_generators_text(data.generators()),
    )


def _insert_api(db: sqlite3.Connection, api: str, mirror: _Mirror) -> None:
    db.executemany(
        "INSERT INTO collections VALUES (?, ?, ?)", [(api, name, n) for n, name in enumerate(mirror.names)]
    )
    db.executemany(
        _UPSERT_RECORD,
        [
            (api, name, rid, pos, body)
            for name, rows in mirror.rows.items()
            for rid, (pos, body) in rows.items()
        ],
    )
    db.executemany(_UPSERT_EXTRA, [(api, key, blob) for key, blob in mirror.extras.items()])
    db.execute("INSERT OR REPLACE INTO generators VALUES (?, ?)", (api, mirror.generators))


@dataclasses.dataclass
class _Plan:
    """One API's writes; ``apply`` makes the mirror of the file match once they are committed."""

    api: str
    whole: _Mirror | None = None
    names: list[str] | None = None
    rows: list[tuple[str, str, Row | None]] = dataclasses.field(default_factory=list)
    extras: list[tuple[str, bytes | None]] = dataclasses.field(default_factory=list)
    generators: str | None = None

    @property
    def writes(self) -> bool:
        return bool(self.whole or self.names is not None or self.rows or self.extras or self.generators)

    def run(self, db: sqlite3.Connection) -> None:
        api = self.api
        if self.whole is not None:
            for table in ("collections", "records", "extras"):
                db.execute(f"DELETE FROM {table} WHERE api = ?", (api,))
            _insert_api(db, api, self.whole)
            return
        if self.names is not None:
            db.execute("DELETE FROM collections WHERE api = ?", (api,))
            db.executemany(
                "INSERT INTO collections VALUES (?, ?, ?)",
                [(api, name, n) for n, name in enumerate(self.names)],
            )
        _each(db, _DELETE_RECORD, [(api, name, rid) for name, rid, row in self.rows if row is None])
        _each(db, _UPSERT_RECORD, [(api, name, rid, *row) for name, rid, row in self.rows if row])
        _each(db, _DELETE_EXTRA, [(api, key) for key, blob in self.extras if blob is None])
        _each(db, _UPSERT_EXTRA, [(api, key, blob) for key, blob in self.extras if blob is not None])
        if self.generators is not None:
            db.execute("INSERT OR REPLACE INTO generators VALUES (?, ?)", (api, self.generators))

    def apply(self, mirrors: dict[str, _Mirror]) -> None:
        if self.whole is not None:
            mirrors[self.api] = self.whole
            return
        mirror = mirrors[self.api]
        if self.names is not None:
            mirror.names = self.names
            for gone in set(mirror.rows) - set(self.names):
                del mirror.rows[gone]
        for name, rid, row in self.rows:
            if row is None:
                mirror.rows.get(name, {}).pop(rid, None)
            else:
                mirror.rows.setdefault(name, {})[rid] = row
        for key, blob in self.extras:
            if blob is None:
                mirror.extras.pop(key, None)
            else:
                mirror.extras[key] = blob
        if self.generators is not None:
            mirror.generators = self.generators


def _each(db: sqlite3.Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    if len(rows) == 1:
        db.execute(statement, rows[0])
    elif rows:
        db.executemany(statement, rows)


def _plan(data: VendorData, changes: Changes, written: _Mirror, generators: bool) -> _Plan:
    """What to write of ``data`` for ``changes``, against what the file holds (``written``)."""
    if changes.replaced:
        return _Plan(data.name, whole=_whole(data))
    plan = _Plan(data.name)
    collections = data.collections
    if list(collections) != written.names:
        plan.names = list(collections)
        for gone in set(written.rows) - set(collections):
            plan.rows += [(gone, rid, None) for rid in written.rows[gone]]
    for name in changes.whole | set(changes.ids):
        records = collections.get(name)
        before = written.rows.get(name, {})
        if name in changes.whole or records is None:
            ids: set[str] = set(before) | set(dict.keys(records) if records is not None else ())
        else:
            ids = changes.ids[name]
        for rid in ids:
            record = _ABSENT if records is None else dict.get(records, rid, _ABSENT)
            if record is _ABSENT:
                if rid in before:
                    plan.rows.append((name, rid, None))
                continue
            assert records is not None
            row = (records.position(rid) if isinstance(records, Collection) else 0, encode_record(record))
            if before.get(rid) != row:
                plan.rows.append((name, rid, row))
    _plan_extras(data, changes, written, plan)
    if changes.generators and generators:
        text = _generators_text(data.generators())
        if text != written.generators:
            plan.generators = text
    return plan


def _plan_extras(data: VendorData, changes: Changes, written: _Mirror, plan: _Plan) -> None:
    extras = data.extras
    keys = set(dict.keys(extras)) | set(written.extras) if changes.extras is None else changes.extras
    for key in keys:
        if key.startswith(TRANSIENT):
            continue
        value = dict.get(extras, key, _ABSENT)
        if value is _ABSENT:
            if key in written.extras:
                plan.extras.append((key, None))
            continue
        blob = _pickle(value)
        if written.extras.get(key) != blob:
            plan.extras.append((key, blob))
