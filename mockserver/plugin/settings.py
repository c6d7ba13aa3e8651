"""The options of one test's sandbox: ``sandbox_options``, then the command line, then the marker."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FixtureError
from ..options import SandboxOptions

MARKER_ARGUMENTS = ("seed", "fixture", "apis", "faults", "isolated")


@dataclass(frozen=True, slots=True)
class MarkerSettings:
    """What ``@pytest.mark.sandbox(seed=..., fixture=..., apis=[...], faults=[...], isolated=True)`` asks for.

    ``faults`` are put in force after the test's reset: each the compact form of ``serve --fault``
    or a mapping of the control plane's fault fields. ``isolated`` gives the test a session of its own
    (``mockserver.sessions``), forked from the seeded state and deleted after it.
    """

    seed: int | None = None
    fixtures: tuple[str, ...] = ()
    apis: tuple[str, ...] | None = None
    faults: tuple[str | Mapping[str, Any], ...] = ()
    isolated: bool = False

    @classmethod
    def from_kwargs(cls, args: Sequence[Any], kwargs: Mapping[str, Any]) -> MarkerSettings:
        """Parse the marker's arguments; anything unknown is an error naming what is accepted."""
        if args:
            raise TypeError(
                "@pytest.mark.sandbox takes keyword arguments only, e.g. @pytest.mark.sandbox(seed=7)"
            )
        unknown = sorted(set(kwargs) - set(MARKER_ARGUMENTS))
        if unknown:
            raise TypeError(
                f"@pytest.mark.sandbox got unknown argument(s) {', '.join(unknown)}; "
                f"it takes {', '.join(MARKER_ARGUMENTS)}"
            )
        seed = kwargs.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"@pytest.mark.sandbox(seed=...) must be an int, got {seed!r}")
        fixture = kwargs.get("fixture")
        fixtures = () if fixture is None else _strings(fixture, "fixture")
        apis = kwargs.get("apis")
        faults = kwargs.get("faults") or ()
        if isinstance(faults, str | Mapping):
            faults = [faults]
        if not isinstance(faults, Iterable) or not all(isinstance(f, str | Mapping) for f in faults):
            raise TypeError(
                "@pytest.mark.sandbox(faults=...) takes a list of faults, each 'API[:OP]=KIND,...' "
                f"or a mapping, got {faults!r}"
            )
        isolated = kwargs.get("isolated", False)
        if not isinstance(isolated, bool):
            raise TypeError(f"@pytest.mark.sandbox(isolated=...) must be True or False, got {isolated!r}")
        return cls(
            seed=seed,
            fixtures=fixtures,
            apis=None if apis is None else _strings(apis, "apis"),
            faults=tuple(faults),
            isolated=isolated,
        )


def _strings(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str | Path) else value
    if not isinstance(items, Iterable) or not all(isinstance(v, str | Path) for v in items):
        raise TypeError(
            f"@pytest.mark.sandbox({name}=...) takes a string or a list of strings, got {value!r}"
        )
    return tuple(str(v) for v in items)


def find_scenario(name: str, search: Sequence[Path]) -> Path:
    """A scenario file: absolute, or relative to the first folder of ``search`` that holds it."""
    path = Path(name)
    if path.is_absolute():
        return path
    for folder in search:
        candidate = folder / path
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(folder) for folder in search)
    raise FixtureError(f"scenario file {name!r} not found (looked in {looked})")


def resolve_options(
    base: SandboxOptions,
    *,
    cli_seed: int | None,
    cli_fixtures: Sequence[Path],
    marker: MarkerSettings,
    marker_search: Sequence[Path],
) -> SandboxOptions:
    """The options for one test: ``base``, then the command line, then the marker, each overriding.

    ``marker_search`` lists the folders a marker's relative scenario path is looked up in (the
    test file's folder, then the rootdir).
    """
    changes: dict[str, Any] = {}
    if cli_seed is not None:
        changes["seed"] = cli_seed
    if cli_fixtures:
        changes["fixtures"] = tuple(cli_fixtures)
    if marker.seed is not None:
        changes["seed"] = marker.seed
    if marker.fixtures:
        changes["fixtures"] = tuple(find_scenario(f, marker_search) for f in marker.fixtures)
    if marker.apis is not None:
        changes["apis"] = marker.apis
    return dataclasses.replace(base, **changes)


def session_of_test(nodeid: str, worker: str | None) -> str:
    """The session name of an isolated test: its xdist worker (``PYTEST_XDIST_WORKER``) and a digest of
    its id, so two workers' tests never share one, whichever server they reach."""
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:16]
    return f"{worker or 'main'}-{digest}"


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, Path):
        return str(value)
    return value


def app_key(options: SandboxOptions) -> tuple[Any, ...]:
    """What makes two option sets need two apps: every field but the seed (a reset takes that)."""
    return tuple(
        (f.name, _hashable(getattr(options, f.name))) for f in dataclasses.fields(options) if f.name != "seed"
    )
