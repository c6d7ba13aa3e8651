"""Finds the data shipped with lms-sandbox (specs and fixtures), from a wheel or a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

Kind = Literal["specs", "fixtures"]

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(kind: Kind) -> Path:
    """The folder holding ``kind``: ``mockserver/_data/<kind>`` in a wheel, else ``<repo>/<kind>``."""
    for candidate in (_PACKAGE_DIR / "_data" / kind, _PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"lms-sandbox data folder {kind!r} not found next to {_PACKAGE_DIR}")


def spec_path(name: str) -> Path:
    """Path of an OpenAPI document in ``specs/``, e.g. ``spec_path("apprentiscope.yaml")``.

    An absolute path is taken as it is (a vendor another package ships keeps its spec beside it).
    """
    return Path(name) if Path(name).is_absolute() else data_dir("specs") / name


def fixture_path(name: str) -> Path:
    """Path of a scenario in ``fixtures/``, e.g. ``fixture_path("apprentiscope/default.yaml")``.

    An absolute path is taken as it is.
    """
    return Path(name) if Path(name).is_absolute() else data_dir("fixtures") / name
