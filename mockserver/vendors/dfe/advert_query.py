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

from connexion.uri_parsing import OpenAPIURIParser
from starlette.types import ASGIApp, Receive, Scope, Send

from ...index import ApiIndex
from ...numerals import StrictNumbersParser


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


class RepeatedQueryParser(StrictNumbersParser):
    """Connexion's parser, keeping each value of a repeated (``explode``) query parameter whole.

    Connexion joins the repeated values with commas and splits them again, so a route named
    "Agriculture, environmental and animal care" became two values; ASP.NET binds each repetition as
    one value, commas and all.
    """

    @staticmethod
    def _resolve_param_duplicates(values: Any, param_defn: Mapping[str, Any], _in: str) -> Any:
        style = param_defn.get("style", OpenAPIURIParser.style_defaults[_in])
        if _in == "query" and style == "form" and param_defn.get("explode", True):
            return list(values)
        return OpenAPIURIParser._resolve_param_duplicates(values, param_defn, _in)

    @staticmethod
    def _split(value: Any, param_defn: Mapping[str, Any], _in: str) -> Any:
        if isinstance(value, list):
            return value
        return OpenAPIURIParser._split(value, param_defn, _in)
