"""Numbers in query, path, header and form values read as a vendor's server reads them: ASCII only.

Connexion turns a parameter's text into a number with Python's ``int``/``float``, which also take
"١٢" (Arabic-Indic digits), "1_0", " 7 " padded with any Unicode space, "+5", "nan" and "inf". The
vendors' servers (ASP.NET, Spring, Rails) refuse those, and so must the sandbox: a client that sends
them gets the vendor's 400 here as it would there. ``StrictNumbersParser`` is Connexion's own URI
parser (its ``uri_parser_class`` extension point) that leaves such text as it came, so the schema
check refuses it in Connexion's own words.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from connexion.uri_parsing import OpenAPIURIParser

__all__ = ["StrictNumbersParser", "is_numeral"]

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_GRAMMAR = {"integer": _INTEGER, "number": _NUMBER}


def is_numeral(text: str, kind: str) -> bool:
    """Whether ``text`` is an ASCII ``integer`` or ``number`` numeral (no spaces, signs but ``-``, words),
    short enough to read: Python refuses to convert more than ``sys.get_int_max_str_digits()`` digits
    (4,300; a ``ValueError`` that was a 500), and no vendor's server reads a number that long."""
    return len(text) <= sys.get_int_max_str_digits() and _GRAMMAR[kind].fullmatch(text) is not None


def _kept(raw: Any, resolved: Any, schema: Mapping[str, Any]) -> Any:
    """``resolved``, or ``raw`` where Python read a number that the ASCII grammar does not allow."""
    kind = schema.get("type")
    if kind in _GRAMMAR and isinstance(raw, str) and not is_numeral(raw, str(kind)):
        return raw
    return resolved


class StrictNumbersParser(OpenAPIURIParser):  # type: ignore[misc]
    """Connexion's OpenAPI URI parser, refusing numerals that only Python would read as numbers."""

    def resolve_params(self, params: Mapping[str, Any], _in: str) -> dict[str, Any]:
        resolved: dict[str, Any] = super().resolve_params(params, _in)
        for name, values in params.items():
            schema = self.param_schemas.get(name) or {}
            if name in resolved and schema.get("type") in _GRAMMAR:
                # A path value comes alone; a query or header value repeated: the last one is read.
                raw = values if _in == "path" or not isinstance(values, list) else values[-1]
                resolved[name] = _kept(raw, resolved[name], schema)
        return resolved

    def resolve_form(self, form_data: dict[str, Any]) -> dict[str, Any]:
        raw = dict(form_data)
        resolved: dict[str, Any] = super().resolve_form(form_data)
        definitions = self.form_defns
        for name, value in raw.items():
            schema = definitions.get(name) or {}
            if name in resolved and schema.get("type") in _GRAMMAR:
                last = value[-1] if isinstance(value, list) and value else value
                resolved[name] = _kept(last, resolved[name], schema)
        return resolved
