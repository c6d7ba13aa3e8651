"""The user's cache of lms-sandbox: what is costly to compute and depends only on a digest of its input.

Entries live under ``$XDG_CACHE_HOME/lms-sandbox`` (``~/.cache/lms-sandbox``); ``LMS_SANDBOX_CACHE=off``
turns the cache off. A read-only or missing cache folder only costs the work it would have saved:
nothing here ever fails a caller.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def digest(data: bytes) -> str:
    """A short, stable name for ``data``."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def folder(kind: str) -> Path | None:
    """The cache folder of ``kind`` (not created), or ``None`` when the cache is off."""
    if os.environ.get("LMS_SANDBOX_CACHE", "").lower() in {"0", "off", "false", "no"}:
        return None
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "lms-sandbox" / kind


def read(kind: str, key: str) -> bytes | None:
    """The entry ``key`` of ``kind``, if there is one."""
    where = folder(kind)
    if where is None:
        return None
    try:
        return (where / key).read_bytes()
    except OSError:
        return None


def write(kind: str, key: str, data: bytes) -> None:
    """Keep ``data`` as entry ``key`` of ``kind``; written whole or not at all (temp file, rename)."""
    where = folder(kind)
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=where, prefix=f".{key}.", delete=False) as fh:
            fh.write(data)
        os.replace(fh.name, where / key)
    except OSError:
        pass
