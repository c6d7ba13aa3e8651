"""Query parameter names bound ignoring case, as ASP.NET's model binding binds them.

DfE's API answers ``?pageSize=5`` as it answers ``?PageSize=5``; Connexion matches names exactly
and would ignore the first as unknown. This middleware renames a query key whose name matches a
documented parameter in another case to the documented spelling, leaving every other byte of the
query string as the client sent it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from ..._connexion import RepeatedQueryParser as RepeatedQueryParser
from ..base import spec_parameters


def query_names(specs: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Lower-cased name -> documented name of every query parameter in ``specs``."""
    names: dict[str, str] = {}
    for spec in specs.values():
        for param in spec_parameters(spec):
            if param.get("in") == "query":
                names[str(param["name"]).lower()] = str(param["name"])
    return names


class CaseInsensitiveQuery:
    """ASGI middleware renaming query keys to their documented spelling (``pagesize`` -> ``PageSize``)."""

    def __init__(self, app: ASGIApp, specs: Mapping[str, Mapping[str, Any]]) -> None:
        self.app = app
        self.names = query_names(specs)

    def _rename(self, query: bytes) -> bytes | None:
        changed = False
        parts = []
        for part in query.split(b"&"):
            key, sep, value = part.partition(b"=")
            name = unquote_plus(key.decode("latin-1"), encoding="utf-8", errors="replace")
            canonical = self.names.get(name.lower())
            if canonical is not None and canonical != name:
                key, changed = quote(canonical).encode(), True
            parts.append(key + sep + value)
        return b"&".join(parts) if changed else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            renamed = self._rename(scope["query_string"])
            if renamed is not None:
                scope = {**scope, "query_string": renamed}
        await self.app(scope, receive, send)
