"""The state file (``serve --state-file``): every API's state and the named snapshots, kept on disk.

The file is an SQLite database (``mockserver.statedb``) written before every answer that changed
something, so a write acknowledged with a 2xx survives the process being killed (``--state-sync
always``: a power loss too). A JSON state file of an earlier lms-sandbox (format 1) is migrated on first
start: its content moves into the database, which takes its name, and the JSON file is kept next to it
(``NAME.json`` -> ``NAME.json.bak``, any other name -> ``NAME.json.bak`` added). A file that is neither
(bad JSON, another format, another SQLite database, APIs not served) is refused with a message naming
it, and never overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from .errors import SandboxError, StateFileError
from .statedb import STATE_DB_FORMAT, STATE_DB_KIND, StateDb, read_only
from .store import Store

STATE_FILE_KIND = STATE_DB_KIND
# The JSON format earlier versions wrote; still read, and migrated.
STATE_FILE_FORMAT = 1
_SQLITE_HEADER = b"SQLite format 3\x00"

log = logging.getLogger("mockserver")


def _sync_folder(folder: Path) -> None:
    # A rename or a new link is durable only once the folder's entry is on disk too.
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def backup_path(path: Path) -> Path:
    """Where a migrated JSON state file is kept: ``state.json`` -> ``state.json.bak``, ``state.db`` ->
    ``state.db.json.bak``."""
    return path.with_name(path.name + (".bak" if path.suffix == ".json" else ".json.bak"))


class StateFile:
    """One store's state file: ``open`` it on start (restoring what it holds), then every change is
    written as the store's lock is let go; ``save`` writes at once, ``close`` at shutdown."""

    def __init__(self, path: Path, store: Store, sync: str = "normal") -> None:
        self.path = path
        self.store = store
        self.sync = sync
        self._db: StateDb | None = None

    def open(self) -> bool:
        """Restore the store from the file if there is one (False when it is new), then keep it current."""
        header = self._header()
        restored = header is not None
        if header is None:
            db = StateDb(self.path, self.sync)
        elif header.startswith(_SQLITE_HEADER):
            self._check_database()
            db = StateDb(self.path, self.sync)
            try:
                self._restore_database(db)
            except BaseException:
                db.close()
                raise
        else:
            self._load_json()
            self._migrate()
            db = StateDb(self.path, self.sync)
        with self.store.locked():
            for data in self.store.vendors().values():
                data.track()
            db.write_all(self.store)
            self._db = db
            self.store.persist_with(self._flush)
        return restored

    def _flush(self, *, generators: bool = False) -> None:
        if self._db is not None:
            self._db.flush(self.store, generators=generators)

    def save(self) -> None:
        """Write whatever is not written yet: the generators' state (every answer wrote the rest)."""
        with self.store.locked():
            self._flush(generators=True)

    def close(self) -> None:
        """Write what is left, stop writing and close the database (``serve``'s shutdown)."""
        with self.store.locked():
            self._flush(generators=True)
            self.store.persist_with(None)
            if self._db is not None:
                self._db.close()
                self._db = None

    # what is there

    def _header(self) -> bytes | None:
        try:
            with self.path.open("rb") as fh:
                return fh.read(len(_SQLITE_HEADER))
        except FileNotFoundError:
            if not self.path.parent.is_dir():
                raise StateFileError(
                    f"state file {self.path}: folder {self.path.parent} does not exist"
                ) from None
            return None
        except OSError as exc:
            raise StateFileError(f"state file {self.path}: cannot be read: {exc}") from None

    def _not_ours(self) -> StateFileError:
        return StateFileError(
            f'state file {self.path} is not an lms-sandbox state file (no "kind": "{STATE_FILE_KIND}"); '
            "name another file, or move this one away"
        )

    def _check_database(self) -> None:
        """Refuse another program's SQLite database, reading it only (opened read-only)."""
        try:
            probe = read_only(self.path)
        except sqlite3.Error as exc:
            raise StateFileError(f"state file {self.path}: cannot be read: {exc}") from None
        try:
            kind, version = StateDb.kind_of(probe)
        except sqlite3.Error:
            raise self._not_ours() from None
        finally:
            probe.close()
        if kind != STATE_FILE_KIND:
            raise self._not_ours()
        if version != STATE_DB_FORMAT:
            raise StateFileError(
                f"state file {self.path} has format {version!r}; "
                f"this lms-sandbox reads format {STATE_DB_FORMAT} (and JSON format {STATE_FILE_FORMAT})"
            )

    def _restore(self, document: dict[str, Any]) -> None:
        apis = document.get("apis")
        unserved = sorted(set(apis) - set(self.store.apis)) if isinstance(apis, dict) else []
        if unserved:
            raise StateFileError(
                f"state file {self.path} holds APIs that are not served: {', '.join(unserved)} "
                f"(served: {', '.join(self.store.apis)}); serve them too, or name another file"
            )
        try:
            self.store.load_dump(document)
        except SandboxError as exc:
            raise StateFileError(f"state file {self.path}: {exc}") from None

    def _restore_database(self, db: StateDb) -> None:
        try:
            document, extras, generators = db.read()
        except (sqlite3.Error, ValueError, TypeError, EOFError, pickle.UnpicklingError) as exc:
            raise StateFileError(f"state file {self.path}: cannot be read: {exc}") from None
        self._restore(document)
        vendors = self.store.vendors()
        for api, values in extras.items():
            vendors[api].extras = values
        for api, states in generators.items():
            vendors[api].set_generators(states)

    # the JSON format of earlier versions

    def _load_json(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StateFileError(f"state file {self.path}: cannot be read: {exc}") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateFileError(f"state file {self.path} is not valid JSON: {exc}") from None
        if not isinstance(document, dict) or document.get("kind") != STATE_FILE_KIND:
            raise self._not_ours()
        if document.get("format") != STATE_FILE_FORMAT:
            raise StateFileError(
                f"state file {self.path} has format {document.get('format')!r}; "
                f"this lms-sandbox reads format {STATE_FILE_FORMAT}"
            )
        self._restore(document)

    def _migrate(self) -> None:
        """Put the database in the JSON file's place, keeping the JSON file as ``backup_path``.

        In this order, so that a crash at any point leaves a file that the next start reads: the JSON
        file linked to its backup name, the database built aside, then renamed over the JSON file.
        """
        backup = backup_path(self.path)
        try:
            os.link(self.path, backup)
        except FileExistsError:
            if not backup.samefile(self.path):
                raise StateFileError(
                    f"state file {self.path} is JSON and would be kept as {backup}, which exists; "
                    "move one of them away"
                ) from None
        except OSError as exc:
            raise StateFileError(f"state file {self.path}: cannot keep it as {backup}: {exc}") from None
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".db", dir=self.path.parent)
        os.close(fd)
        try:
            built = StateDb(Path(temp), "always")
            try:
                built.write_all(self.store)
            finally:
                built.close()
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _sync_folder(self.path.parent)
        log.warning(
            "state file %s was JSON (format %d): migrated to SQLite in place; the JSON file is kept as %s",
            self.path,
            STATE_FILE_FORMAT,
            backup,
        )
