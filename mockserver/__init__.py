"""lms-sandbox's server side: a local, stateful sandbox of learning-platform APIs."""

from __future__ import annotations

import warnings

__version__ = "0.1.0"

# connexion 3.3 imports starlette.testclient at import time, which warns on starlette 1.x; we never
# use that client, so keep the warning away from every `lms-sandbox` run.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    # ... and jsonschema's RefResolver, deprecated; keeps projects with `-W error` able to import us.
    warnings.filterwarnings("ignore", message=r"jsonschema\.(exceptions\.)?Ref\w+ is deprecated")
    import connexion  # noqa: F401

from .app import CONTROL_PREFIX, ApiInfo, Sandbox, SpecInfo, create_app
from .errors import (
    Conflict,
    FixtureError,
    Forbidden,
    InvalidInput,
    ModelError,
    NotFound,
    SandboxError,
    SnapshotError,
    UnhandledOperation,
    UnknownApi,
)
from .journal import Journal, JournalEntry
from .options import SandboxOptions
from .store import Store, VendorData

__all__ = [
    "CONTROL_PREFIX",
    "ApiInfo",
    "Conflict",
    "FixtureError",
    "Forbidden",
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
    "Store",
    "UnhandledOperation",
    "UnknownApi",
    "VendorData",
    "__version__",
    "create_app",
]
