"""Absorb's ``_filter``, first step: OData equality on a resource's fields, parsed by odata-query.

Served so far: ``eq`` and ``ne`` between a field (``customFields/decimal1`` included) and a literal
(string, number, boolean, ``null``, a bare GUID), joined by ``and``, ``or``, ``not`` and parentheses.
Text compares ignoring case, as Absorb's SQL Server does. Anything else Absorb's subset allows
(``gt``.., functions, ``guid'..'``/``datetime'..'`` literals) is refused with 422 for now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from ...store import Record
from .errors import Unprocessable

Predicate = Callable[[Record], bool]
NESTED = "customFields"
_NOT_YET = "only eq and ne on a field, joined by and, or, not, are served so far"


def compile_filter(text: str | None, fields: Iterable[str], nested: Iterable[str] = ()) -> Predicate | None:
    """The test a record must pass for ``text`` (``None`` without a filter); 422 for what cannot apply.

    ``fields`` are the filterable top-level fields; ``nested`` those under ``customFields/``.
    """
    if text is None or not text.strip():
        return None
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(text))
    except ODataException as exc:
        raise Unprocessable(f"_filter is not valid OData: {exc}", field="_filter") from None
    top = {f.casefold(): f for f in fields}
    inner = {f.casefold(): f for f in nested}
    return _compile(tree, top, inner)


def _compile(node: Any, top: dict[str, str], inner: dict[str, str]) -> Predicate:
    if isinstance(node, ast.BoolOp):
        left, right = _compile(node.left, top, inner), _compile(node.right, top, inner)
        if isinstance(node.op, ast.And):
            return lambda record: left(record) and right(record)
        return lambda record: left(record) or right(record)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _compile(node.operand, top, inner)
        return lambda record: not operand(record)
    if isinstance(node, ast.Compare) and isinstance(node.comparator, ast.Eq | ast.NotEq):
        field, literal = (node.left, node.right) if _is_field(node.left) else (node.right, node.left)
        read = _reader(field, top, inner)
        wanted = _literal(literal)
        if isinstance(node.comparator, ast.Eq):
            return lambda record: _same(read(record), wanted)
        return lambda record: not _same(read(record), wanted)
    raise Unprocessable(f"_filter: {_NOT_YET}", field="_filter")


def _is_field(node: Any) -> bool:
    return isinstance(node, ast.Identifier | ast.Attribute)


def _reader(node: Any, top: dict[str, str], inner: dict[str, str]) -> Callable[[Record], Any]:
    if isinstance(node, ast.Identifier) and not node.namespace:
        field = top.get(node.name.casefold())
        if field is None:
            raise Unprocessable(f"{node.name!r} is not a filterable field.", field="_filter")
        return lambda record: record.get(field)
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.owner, ast.Identifier)
        and node.owner.name.casefold() == NESTED.casefold()
    ):
        custom = inner.get(node.attr.casefold())
        if custom is None:
            raise Unprocessable(f"'{NESTED}/{node.attr}' is not a filterable field.", field="_filter")
        return lambda record: (record.get(NESTED) or {}).get(custom)
    raise Unprocessable(f"_filter: {_NOT_YET}", field="_filter")


def _literal(node: Any) -> Any:
    if isinstance(node, ast.GUID):
        return str(node.val).lower()
    if isinstance(node, ast.Null):
        return None
    if isinstance(node, ast.Float):
        return float(node.val)
    if isinstance(node, ast.String | ast.Integer | ast.Boolean):
        return node.py_val
    raise Unprocessable(f"_filter: {_NOT_YET}", field="_filter")


def _same(value: Any, wanted: Any) -> bool:
    if isinstance(value, str) and isinstance(wanted, str):
        return value.casefold() == wanted.casefold()
    if isinstance(value, bool) != isinstance(wanted, bool):
        return False
    return bool(value == wanted)
