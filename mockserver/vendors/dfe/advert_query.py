"""Query parameter names bound ignoring case, as ASP.NET's model binding binds them.

DfE's API answers ``?pageSize=5`` as it answers ``?PageSize=5``; Connexion matches names exactly
and would ignore the first as unknown. This middleware renames a query key whose name matches a
documented parameter in another case to the documented spelling, leaving every other byte of the
query string as the client sent it.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from ..._connexion import RepeatedQueryParser as RepeatedQueryParser
from ...index import ApiIndex


def query_names(index: ApiIndex) -> dict[str, str]:
    """Lower-cased name -> documented name of every query parameter of the API."""
    return {str(p["name"]).lower(): str(p["name"]) for p in index.parameters() if p.get("in") == "query"}


class CaseInsensitiveQuery:
    """ASGI middleware renaming query keys to their documented spelling (``pagesize`` -> ``PageSize``)."""

    def __init__(self, app: ASGIApp, index: ApiIndex) -> None:
        self.app = app
        self.names = query_names(index)

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
