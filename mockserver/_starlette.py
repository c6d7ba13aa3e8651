"""The one place that reaches past Starlette's public API: the path a route sees.

Starlette's routes match ``scope["path"]`` minus ``scope["root_path"]`` through
``starlette._utils.get_route_path``, which it does not export. ``mockserver.routing`` looks paths up
the way Starlette's routes match them, and ``mockserver.asgi.route_path`` gives every other layer the
same answer, so both take Starlette's own function from here rather than a copy that could drift.
``REQUIREMENT`` is the range this was checked against (pyproject's); ``tests/test_shims.py`` fails
loudly when the installed Starlette leaves it or the function goes.
"""

from __future__ import annotations

from starlette._utils import get_route_path

REQUIREMENT = "starlette>=0.40,<2"

__all__ = ["REQUIREMENT", "get_route_path"]
