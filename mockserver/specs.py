"""Reading the bundled OpenAPI documents: one parse per process (what they hold: ``mockserver.index``).

Import-light (PyYAML only), so ``contracts`` can load a vendor's documents without the server.

Parsing the YAML is most of what a first start spends on the documents (half a second for the six,
libyaml's parser notwithstanding: PyYAML builds the objects in Python). So each document may ship with
a JSON twin, ``.parsed/<file>.json`` beside it, written by ``python -m mockserver.specs`` (``make``
does, before serving or testing): the same document, with the digest of the YAML it was made from.
A twin whose digest is not that of the file beside it is ignored, so an edited spec is never read
stale, only parsed again. Twins are not the user's cache: they ship with the documents.
"""

from __future__ import annotations

import functools
import json
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import yaml

from . import cache
from .resources import data_dir, spec_path

# libyaml's loader where PyYAML was built with it (the wheels are): the same documents, parsed ~10x faster.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TWINS = ".parsed"


def twin_path(path: Path) -> Path:
    """Where the JSON twin of the document at ``path`` lives."""
    return path.parent / TWINS / f"{path.name}.json"


def _parsed(path: Path, text: bytes) -> dict[str, Any]:
    loaded = yaml.load(text, Loader=SAFE_LOADER)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    return loaded


def _from_twin(path: Path, key: str) -> dict[str, Any] | None:
    """The document from its twin, if there is one made from this very file."""
    try:
        twin = json.loads(twin_path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(twin, dict) or twin.get("digest") != key or not isinstance(twin.get("document"), dict):
        return None
    return cast(dict[str, Any], twin["document"])


def pickled_document(path: Path) -> bytes:
    """The YAML document at ``path``, parsed and pickled: from the user's cache (``mockserver.cache``)
    or the document's twin when either holds this very file (by digest), else parsed and kept in the cache."""
    text = path.read_bytes()
    key = cache.digest(text)
    kept = cache.read("parsed-specs", key)
    if kept is not None:
        return kept
    loaded = _from_twin(path, key) or _parsed(path, text)
    pickled = pickle.dumps(loaded, protocol=5)
    cache.write("parsed-specs", key, pickled)
    return pickled


def write_twin(path: Path) -> Path | None:
    """Write the JSON twin of the document at ``path``, unless JSON cannot carry it whole (a YAML-only
    value: a date, a number as a key); the twin written, if any."""
    text = path.read_bytes()
    document = _parsed(path, text)
    try:
        carried = json.loads(json.dumps(document)) == document
    except (TypeError, ValueError):
        carried = False
    if not carried:
        return None
    twin = twin_path(path)
    twin.parent.mkdir(exist_ok=True)
    twin.write_text(json.dumps({"digest": cache.digest(text), "document": document}))
    return twin


def write_twins(folder: Path) -> list[Path]:
    """Write the JSON twin of each document in ``folder`` that JSON carries whole; the twins written."""
    return [twin for path in sorted(folder.glob("*.yaml")) if (twin := write_twin(path)) is not None]


_pickled_spec = functools.cache(pickled_document)


def _parsed_spec(path: Path) -> dict[str, Any]:
    return cast(dict[str, Any], pickle.loads(_pickled_spec(path)))


def load_spec(name: str) -> dict[str, Any]:
    """A fresh copy of spec ``name`` from ``specs/`` (parsed once per process; unpickling copies)."""
    return _parsed_spec(spec_path(name))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mockserver.specs [PATH...]``: write the twins of the documents named, or of every
    document in a folder named (by default, the bundled ones)."""
    paths = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)] or [data_dir("specs")]
    for path in paths:
        for twin in write_twins(path) if path.is_dir() else filter(None, [write_twin(path)]):
            print(f"wrote {twin}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
