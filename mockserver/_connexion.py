"""Connexion, imported with the warnings its import raises silenced.

connexion 3.3 imports ``starlette.testclient`` at import time, which warns on starlette 1.x, and
jsonschema's deprecated ``RefResolver``; we use neither, and a project running its tests with
``-W error`` must still be able to start a sandbox. Every way into the code that uses Connexion
(``mockserver.app``, ``mockserver.vendors``, ``mockserver.plugin``) imports this module first.
"""

from __future__ import annotations

import logging
import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", message=r"jsonschema\.(exceptions\.)?Ref\w+ is deprecated")
    import connexion


class _SeveralBodyTypes(logging.Filter):
    """Drops Connexion's warning about an operation documenting several request media types.

    SkyPrep's calls document a JSON and a form body on purpose (clients send either); Connexion warns
    each time it reads such a body's definition, which would flood the output of every script, CLI run
    and test session that builds a sandbox.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("this operation accepts multiple content types")


logging.getLogger("connexion.operations.openapi3").addFilter(_SeveralBodyTypes())

__all__ = ["connexion"]
