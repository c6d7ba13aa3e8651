"""Each package's public surface (``__all__``), pinned in public_surface.json: changing it is deliberate."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

PINNED: dict[str, list[str]] = json.loads((Path(__file__).parent / "public_surface.json").read_text())


@pytest.mark.parametrize("module", list(PINNED))
def test_public_surface_is_pinned(module: str) -> None:
    package = importlib.import_module(module)
    assert package.__all__ == PINNED[module]
    for name in package.__all__:
        assert getattr(package, name) is not None
