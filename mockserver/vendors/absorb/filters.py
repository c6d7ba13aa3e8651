"""Absorb's ``_filter``: its OData subset, parsed by odata-query's grammar with Absorb's additions.

Absorb speaks OData v2-flavoured filters (vendor notes 1.4): ``eq ne gt ge lt le``, ``and or not``,
parentheses, ``substringof('x', field)`` (v2's argument order), ``startswith``, ``endswith``,
``tolower``, ``toupper`` (function names in any case: ``startsWith``), ``null``, ``guid'..'`` and
``datetime'..'`` literals (bare GUIDs and ISO dates too) and nested ``customFields/decimal1``.

odata-query parses OData v4, which lacks ``substringof`` and the prefixed literals: ``AbsorbLexer``
redefines its ``GUID`` and ``DATETIME`` tokens to accept the prefixed forms, and ``AbsorbParser``
keeps odata-query's grammar (and its LALR tables) with a function table of Absorb's functions, looked
up ignoring case. Text compares ignoring case, as Absorb's SQL Server does; a comparison with
``null`` is only true for ``eq null``/``ne null``, as in SQL. A malformed filter, an unknown
function or a field the resource does not have is refused with 422 before anything is read. A filter
nested deeper than ``MAX_DEPTH`` parentheses, or with a number of more digits than Python reads
(4,300), is refused with 400 before it is parsed: 500 nested ``tolower(`` made the parser recurse past
Python's limit, and a 4,301-digit literal stopped ``int``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from ...errors import InvalidInput
from ...store import Record
from .errors import Unprocessable

Predicate = Callable[[Record], bool]
Value = Callable[[Record], Any]
NESTED = "customFields"
FIELD = "_filter"

# Absorb's functions: name -> number of arguments (v2's substringof takes the needle first).
FUNCTIONS = {"substringof": 2, "startswith": 2, "endswith": 2, "contains": 2, "tolower": 1, "toupper": 1}

_HEX = r"[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}"
_DATE = r"[1-9]\d{3}-(?:0\d|1[0-2])-(?:[0-2]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,12})?)?"
_ZONE = r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?"


class AbsorbLexer(ODataLexer):
    """odata-query's lexer, whose GUID and DATETIME tokens also take ``guid'..'`` and ``datetime'..'``."""

    tokens = ODataLexer.tokens

    @_(rf"guid'{_HEX}'|{_HEX}")  # type: ignore[name-defined,untyped-decorator]  # noqa: F821
    def GUID(self, t: Any) -> Any:  # noqa: N802 (SLY names a token's rule after it)
        text = str(t.value)
        t.value = ast.GUID((text[5:-1] if text[:5].lower() == "guid'" else text).lower())
        return t

    @_(  # type: ignore[name-defined,untyped-decorator]  # noqa: F821
        rf"datetime'{_DATE}(?:T{_TIME})?{_ZONE}'|{_DATE}T{_TIME}{_ZONE}"
    )
    def DATETIME(self, t: Any) -> Any:  # noqa: N802
        text = str(t.value)
        if text[:9].lower() == "datetime'":
            text = text[9:-1]
        t.value = ast.DateTime(text)
        return t


class AbsorbParser(ODataParser):
    """odata-query's grammar with Absorb's function table, looked up ignoring case."""

    @classmethod
    def _build(cls, definitions: Any) -> None:
        """Keep the parent's grammar and LALR tables: only the function table differs."""

    def _function_call(self, func: ast.Identifier, args: list[Any]) -> ast.Call:
        spelled = _spelled(func)
        name = spelled.lower()
        expected = FUNCTIONS.get(name)
        if expected is None or func.namespace:
            raise Unprocessable(f"{spelled!r} is not a function Absorb's filters take.", field=FIELD)
        if len(args) != expected:
            raise Unprocessable(f"{name} takes {expected} argument(s), not {len(args)}.", field=FIELD)
        return ast.Call(ast.Identifier(name), args)


# Parentheses a filter may nest: far beyond any filter a person writes, well within the parser's recursion.
MAX_DEPTH = 32
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_DIGITS = re.compile(r"[0-9]+")


def _check_size(text: str) -> None:
    """400 for a filter nested too deep or holding a number too long to read (quoted text aside)."""
    bare = _QUOTED.sub("''", text)
    depth = deepest = 0
    for char in bare:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise InvalidInput(f"_filter nests {deepest} parentheses deep; at most {MAX_DEPTH}.", field=FIELD)
    longest = max((len(m) for m in _DIGITS.findall(bare)), default=0)
    if longest > sys.get_int_max_str_digits():
        raise InvalidInput(f"_filter holds a number of {longest} digits, too long to read.", field=FIELD)


def parse(text: str) -> Any:
    """The syntax tree of ``text``; 400 for one too deep or too long to read, 422 for what is not
    Absorb's OData."""
    _check_size(text)
    try:
        return AbsorbParser().parse(AbsorbLexer().tokenize(text))
    except ODataException as exc:
        raise Unprocessable(f"_filter is not valid OData: {exc}", field=FIELD) from None
    except RecursionError:
        # (``not not not ...`` nests without parentheses: as deep as the query string is long)
        raise InvalidInput("_filter nests too deep to read.", field=FIELD) from None


def compile_filter(text: str | None, fields: Iterable[str], nested: Iterable[str] = ()) -> Predicate | None:
    """The test a record must pass for ``text`` (``None`` without a filter); 422 for what cannot apply.

    ``fields`` are the filterable top-level fields; ``nested`` those under ``customFields/``.
    """
    if text is None or not text.strip():
        return None
    compiler = _Compiler({f.casefold(): f for f in fields}, {f.casefold(): f for f in nested})
    try:
        test = compiler.predicate(parse(text))
    except RecursionError:
        raise InvalidInput("_filter nests too deep to read.", field=FIELD) from None

    def keep(record: Record) -> bool:
        try:
            return test(record)
        except TypeError:
            raise Unprocessable("_filter compares values of different types.", field=FIELD) from None
        except RecursionError:
            raise InvalidInput("_filter nests too deep to read.", field=FIELD) from None

    return keep


class _Compiler:
    """Turns a syntax tree into functions of a record, checking every name once, up front."""

    def __init__(self, top: dict[str, str], inner: dict[str, str]) -> None:
        self.top = top
        self.inner = inner

    def predicate(self, node: Any) -> Predicate:
        if isinstance(node, ast.BoolOp):
            left, right = self.predicate(node.left), self.predicate(node.right)
            if isinstance(node.op, ast.And):
                return lambda record: left(record) and right(record)
            return lambda record: left(record) or right(record)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = self.predicate(node.operand)
            return lambda record: not operand(record)
        if isinstance(node, ast.Compare) and not isinstance(node.comparator, ast.In):
            left_value, right_value = self.value(node.left), self.value(node.right)
            compare = _COMPARATORS[type(node.comparator)]
            return lambda record: compare(left_value(record), right_value(record))
        if isinstance(node, ast.Call | ast.Identifier | ast.Attribute):
            value = self.value(node)
            return lambda record: value(record) is True
        raise Unprocessable("_filter must be a condition Absorb's OData subset can express.", field=FIELD)

    def value(self, node: Any) -> Value:
        if isinstance(node, ast.Identifier | ast.Attribute):
            return self._reader(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = _literal(node.operand)
            if not isinstance(inner, int | float) or isinstance(inner, bool):
                raise Unprocessable("only a number can be negated in _filter.", field=FIELD)
            return lambda record: -inner
        literal = _literal(node)
        return lambda record: literal

    def _reader(self, node: Any) -> Value:
        if isinstance(node, ast.Identifier) and not node.namespace:
            field = self.top.get(node.name.casefold())
            if field is None:
                raise Unprocessable(f"{node.name!r} is not a filterable field.", field=FIELD)
            return lambda record: record.get(field)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.owner, ast.Identifier)
            and node.owner.name.casefold() == NESTED.casefold()
            and self.inner
        ):
            custom = self.inner.get(node.attr.casefold())
            if custom is None:
                raise Unprocessable(f"'{NESTED}/{node.attr}' is not a filterable field.", field=FIELD)
            return lambda record: (record.get(NESTED) or {}).get(custom)
        raise Unprocessable(f"{_spelled(node)!r} is not a filterable field.", field=FIELD)

    def _call(self, node: ast.Call) -> Value:
        name = node.func.name
        args = [self.value(a) for a in node.args]
        if name in ("tolower", "toupper"):
            (operand,) = args
            change = str.lower if name == "tolower" else str.upper
            return lambda record: _text_op(operand(record), change)
        first, second = args
        # substringof('x', field) is v2's contains(field, 'x').
        haystack, needle = (second, first) if name == "substringof" else (first, second)
        test = _TEXT_TESTS[name]
        return lambda record: _text_test(haystack(record), needle(record), test)


def _spelled(node: Any) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_spelled(node.owner)}/{node.attr}"
    if isinstance(node, ast.Identifier):
        return ".".join((*node.namespace, node.name))
    return type(node).__name__


def _literal(node: Any) -> Any:
    if isinstance(node, ast.GUID):
        return str(node.val).lower()
    if isinstance(node, ast.Null):
        return None
    if isinstance(node, ast.Float):
        return float(node.val)
    if isinstance(node, ast.DateTime | ast.Date):
        return _moment(str(node.val))
    if isinstance(node, ast.String | ast.Integer | ast.Boolean):
        return node.py_val
    raise Unprocessable(f"{type(node).__name__} values are not part of Absorb's filters.", field=FIELD)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text_op(value: Any, change: Callable[[str], str]) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(value)
    return change(value)


def _text_test(haystack: Any, needle: Any, test: Callable[[str, str], bool]) -> bool:
    if haystack is None or needle is None:
        return False
    if not isinstance(haystack, str) or not isinstance(needle, str):
        raise TypeError(haystack)
    return test(haystack.casefold(), needle.casefold())


_TEXT_TESTS: dict[str, Callable[[str, str], bool]] = {
    "substringof": lambda haystack, needle: needle in haystack,
    "contains": lambda haystack, needle: needle in haystack,
    "startswith": str.startswith,
    "endswith": str.endswith,
}


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Both sides made comparable: text ignoring case, stored dates as moments, GUIDs lowercased."""
    if isinstance(left, datetime) and isinstance(right, str):
        return left, _moment(right)
    if isinstance(right, datetime) and isinstance(left, str):
        return _moment(left), right
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    if isinstance(left, bool) != isinstance(right, bool):
        raise TypeError(left)
    numbers = isinstance(left, int | float) and isinstance(right, int | float)
    if not numbers and not (isinstance(left, datetime) and isinstance(right, datetime)):
        raise TypeError(left)
    return left, right


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    try:
        a, b = _comparable(left, right)
    except ValueError:
        raise TypeError(left) from None
    return bool(a == b)


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        if left is None or right is None:
            return False
        try:
            a, b = _comparable(left, right)
        except ValueError:
            raise TypeError(left) from None
        return test(a, b)

    return compare


_COMPARATORS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: _equal,
    ast.NotEq: lambda left, right: not _equal(left, right),
    ast.Gt: _ordered(lambda a, b: bool(a > b)),
    ast.GtE: _ordered(lambda a, b: bool(a >= b)),
    ast.Lt: _ordered(lambda a, b: bool(a < b)),
    ast.LtE: _ordered(lambda a, b: bool(a <= b)),
}
