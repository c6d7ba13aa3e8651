"""lms-sandbox's server side: a local, stateful sandbox of learning-platform APIs."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    ClockOutOfRange,
    Conflict,
    FixtureError,
    Forbidden,
    InvalidInput,
    ModelError,
    NotFound,
    SandboxError,
    SnapshotError,
    StateFileError,
    UnhandledOperation,
    UnknownApi,
    UnknownSnapshot,
)
from .journal import Journal, JournalEntry
from .options import SandboxOptions

if TYPE_CHECKING:
    from .app import CONTROL_PREFIX, ApiInfo, Sandbox, SpecInfo, create_app
    from .faults import DroppedConnection, FaultSpec, InvalidFault
    from .store import Store, VendorData

__version__ = "0.1.0"

# Imported on first use: they bring in Connexion and Faker, which `import mockserver` (and so the
# pytest plugin, loaded in every test run of a project that installs lms-sandbox) must not pay for.
_LAZY = {
    "CONTROL_PREFIX": "app",
    "ApiInfo": "app",
    "Sandbox": "app",
    "SpecInfo": "app",
    "create_app": "app",
    "DroppedConnection": "faults",
    "FaultSpec": "faults",
    "InvalidFault": "faults",
    "Store": "store",
    "VendorData": "store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CONTROL_PREFIX",
    "ApiInfo",
    "ClockOutOfRange",
    "Conflict",
    "DroppedConnection",
    "FaultSpec",
    "FixtureError",
    "Forbidden",
    "InvalidFault",
    "InvalidInput",
    "Journal",
    "JournalEntry",
    "ModelError",
    "NotFound",
    "Sandbox",
    "SandboxError",
    "SandboxOptions",
    "SnapshotError",
    "SpecInfo",
    "StateFileError",
    "Store",
    "UnhandledOperation",
    "UnknownApi",
    "UnknownSnapshot",
    "VendorData",
    "__version__",
    "create_app",
]
