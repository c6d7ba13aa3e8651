"""Connexion, imported with the warnings its import raises silenced.

connexion 3.3 imports ``starlette.testclient`` at import time, which warns on starlette 1.x, and
jsonschema's deprecated ``RefResolver``; we use neither, and a project running its tests with
``-W error`` must still be able to start a sandbox. Every way into the code that uses Connexion
(``mockserver.app``, ``mockserver.vendors``, ``mockserver.plugin``) imports this module first.

It also wraps Connexion's spec check so that a document it accepted once is not checked again
(``_validated_once``): Connexion has no option for this, and the check is half of a start. The
wrapper calls Connexion's own check for every document it has not seen; it copies none of its code.
"""

from __future__ import annotations

import importlib.metadata
import logging
import pickle
import warnings
from collections.abc import Callable
from typing import Any

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", message=r"jsonschema\.(exceptions\.)?Ref\w+ is deprecated")
    import connexion
    from connexion.spec import Specification

from . import cache


class _SeveralBodyTypes(logging.Filter):
    """Drops Connexion's warning about an operation documenting several request media types.

    SkyPrep's calls document a JSON and a form body on purpose (clients send either); Connexion warns
    each time it reads such a body's definition, which would flood the output of every script, CLI run
    and test session that builds a sandbox.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("this operation accepts multiple content types")


logging.getLogger("connexion.operations.openapi3").addFilter(_SeveralBodyTypes())

_CONNEXION = importlib.metadata.version("connexion")


def _validated_once(validate: Callable[[type, dict[str, Any]], None]) -> Any:
    """Connexion's ``Specification._validate_spec``, run once per distinct document.

    Connexion checks every document against the OpenAPI schema (and every ``default`` against its
    schema) each time an app is built: half a second of a five-API start, and again for each app a
    test suite builds. The verdict depends only on the document and on Connexion's version, so a
    document it accepted is remembered by digest, in the process and as an empty entry of the
    user's cache (``mockserver.cache``). A changed document has another digest and is checked
    again; an invalid one is never remembered and raises as before.
    """
    seen: set[str] = set()

    def _validate_spec(cls: type, spec: dict[str, Any]) -> None:
        key = cache.digest(pickle.dumps((_CONNEXION, cls.__qualname__, spec), protocol=5))
        if key in seen or cache.read("valid-specs", key) is not None:
            seen.add(key)
            return
        validate(cls, spec)
        seen.add(key)
        cache.write("valid-specs", key, b"")

    return classmethod(_validate_spec)


Specification._validate_spec = _validated_once(Specification._validate_spec.__func__)

__all__ = ["connexion"]
