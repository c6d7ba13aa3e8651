"""Connexion, imported with the warnings its import raises silenced.

connexion 3.3 imports ``starlette.testclient`` at import time, which warns on starlette 1.x, and
jsonschema's deprecated ``RefResolver``; we use neither, and a project running its tests with
``-W error`` must still be able to start a sandbox. Every way into the code that uses Connexion
(``mockserver.app``, ``mockserver.vendors``, ``mockserver.plugin``) imports this module first.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", message=r"jsonschema\.(exceptions\.)?Ref\w+ is deprecated")
    import connexion

__all__ = ["connexion"]
