"""Scenario (fixture) files: YAML naming their API, data sizes and named records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import FixtureError
from .resources import fixture_path
from .specs import SAFE_LOADER


def load_scenario(path: Path) -> dict[str, Any]:
    """Parse one scenario file; it must be a mapping with an ``api`` key."""
    try:
        with path.open(encoding="utf-8") as fh:
            loaded = yaml.load(fh, Loader=SAFE_LOADER)
    except OSError as exc:
        raise FixtureError(f"cannot read scenario {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise FixtureError(f"scenario {path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict) or not isinstance(loaded.get("api"), str):
        raise FixtureError(f"scenario {path} must be a mapping with an 'api' key, e.g. 'api: apprentiscope'")
    return loaded


def scenarios_for(defaults: Mapping[str, str], overrides: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """Per API, the scenario to seed from: an override naming that API, else its default file."""
    chosen: dict[str, dict[str, Any]] = {}
    for path in overrides:
        scenario = load_scenario(path)
        api = scenario["api"]
        if api not in defaults:
            raise FixtureError(
                f"scenario {path} is for API {api!r}, which is not served; served: {', '.join(defaults)}"
            )
        if api in chosen:
            raise FixtureError(f"two scenarios given for API {api!r}")
        chosen[api] = scenario
    for api, default in defaults.items():
        if api not in chosen:
            chosen[api] = load_scenario(fixture_path(default))
    return chosen
