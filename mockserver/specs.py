"""Reading the bundled OpenAPI documents: one parse per process (what they hold: ``mockserver.index``).

Import-light (PyYAML only), so ``contracts`` can load a vendor's documents without the server.
"""

from __future__ import annotations

import functools
import pickle
from pathlib import Path
from typing import Any, cast

import yaml

from . import cache
from .resources import spec_path

# libyaml's loader where PyYAML was built with it (the wheels are): the same documents, parsed ~10x faster.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def pickled_document(path: Path) -> bytes:
    """The YAML document at ``path``, parsed and pickled; kept in the user's cache by a digest of the
    file (``mockserver.cache``), so a start reads a pickle instead of parsing YAML again."""
    text = path.read_bytes()
    key = cache.digest(text)
    kept = cache.read("parsed-specs", key)
    if kept is not None:
        return kept
    loaded = yaml.load(text, Loader=SAFE_LOADER)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    pickled = pickle.dumps(loaded, protocol=5)
    cache.write("parsed-specs", key, pickled)
    return pickled


_pickled_spec = functools.cache(pickled_document)


def _parsed_spec(path: Path) -> dict[str, Any]:
    return cast(dict[str, Any], pickle.loads(_pickled_spec(path)))


def load_spec(name: str) -> dict[str, Any]:
    """A fresh copy of spec ``name`` from ``specs/`` (parsed once per process; unpickling copies)."""
    return _parsed_spec(spec_path(name))
