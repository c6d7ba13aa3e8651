"""Every use of Schemathesis beyond its top-level API, in one module: pinned (``REQUIREMENT``), and
tested by ``tests/test_shims.py``.

The contracts drive Schemathesis 4 the way its own CLI does: its engine runs the phases and reports
events (``schemathesis.engine``), which the runner, the auth phase and ``fuzz`` read as they come.
The engine, its events and result types and the schema base class are importable submodules, not
the documented top-level API (``schemathesis.openapi``, ``schemathesis.Case``, the checks, the hooks
and the configuration), and they moved between major versions: anything else takes them from here.
"""

from __future__ import annotations

from schemathesis.core.result import Ok
from schemathesis.engine import events, from_schema
from schemathesis.engine.run import PhaseName
from schemathesis.schemas import BaseSchema

REQUIREMENT = "schemathesis>=4.3,<5"

__all__ = ["REQUIREMENT", "BaseSchema", "Ok", "PhaseName", "events", "from_schema"]
