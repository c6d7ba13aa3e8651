"""The state file (``serve --state-file``): every API's state and the named snapshots, kept on disk.

Written atomically: a temporary file in the same folder, flushed and fsynced, renamed over the old
one, then the folder fsynced, so a process killed at any moment leaves either the old file or the
new one, never half of one. A file that is not ours (bad JSON, another format, APIs not served) is
refused with a message naming it, and never overwritten.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from .errors import SandboxError, StateFileError
from .store import Store

STATE_FILE_KIND = "lms-sandbox-state"
STATE_FILE_FORMAT = 1


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves the old content or the new, nothing else."""
    folder = path.parent
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    # The rename is durable only once the folder's entry is on disk too.
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class StateFile:
    """One store's state file: ``load`` it on start, ``save`` on shutdown and on each snapshot."""

    def __init__(self, path: Path, store: Store) -> None:
        self.path = path
        self.store = store
        # One write at a time, each of the state as it stands when it starts: two concurrent saves
        # never put an older state over a newer one.
        self._writing = threading.Lock()

    def load(self) -> bool:
        """Restore the store from the file if it exists (False when there is none yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if not self.path.parent.is_dir():
                raise StateFileError(
                    f"state file {self.path}: folder {self.path.parent} does not exist"
                ) from None
            return False
        except (OSError, UnicodeDecodeError) as exc:
            raise StateFileError(f"state file {self.path}: cannot be read: {exc}") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateFileError(f"state file {self.path} is not valid JSON: {exc}") from None
        if not isinstance(document, dict) or document.get("kind") != STATE_FILE_KIND:
            raise StateFileError(
                f'state file {self.path} is not an lms-sandbox state file (no "kind": "{STATE_FILE_KIND}"); '
                "name another file, or move this one away"
            )
        if document.get("format") != STATE_FILE_FORMAT:
            raise StateFileError(
                f"state file {self.path} has format {document.get('format')!r}; "
                f"this lms-sandbox reads format {STATE_FILE_FORMAT}"
            )
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
        return True

    def save(self) -> None:
        """Write the store's whole state to the file, atomically."""
        with self._writing:
            document: dict[str, Any] = {
                "kind": STATE_FILE_KIND,
                **self.store.dump(),
                "format": STATE_FILE_FORMAT,
            }
            try:
                write_atomic(self.path, json.dumps(document, separators=(",", ":")))
            except OSError as exc:
                raise StateFileError(f"state file {self.path}: cannot be written: {exc}") from None
