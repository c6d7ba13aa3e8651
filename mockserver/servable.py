"""Values the sandbox can serve back: text XML 1.0 can carry, and finite numbers.

Every stored value leaves again as JSON, as SkyPrep's XML, as CSV or XLSX reports and in the state
export. A control character (other than TAB, LF and CR), a lone surrogate, U+FFFE or U+FFFF cannot be
written in XML 1.0 (nor in an XLSX cell), and NaN or Infinity in no strict JSON: a value holding one
is refused where it comes in (``request_refusal`` at the door, ``unservable`` for imported state), as
a strict JSON parser and an XML serializer would, never stored to break an answer later.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import Scope

__all__ = ["UNSERVABLE_TEXT", "finite", "request_refusal", "unservable", "unservable_text"]

# XML 1.0's Char production, negated: C0 controls but TAB, LF, CR; surrogates; U+FFFE and U+FFFF.
UNSERVABLE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A JSON body that may hold such text: an escape of one, or U+FFFE/U+FFFF written as UTF-8 (raw control
# characters and invalid UTF-8 are not JSON at all). Only then are its decoded strings looked at.
_SUSPECT_JSON = re.compile(rb"\\u(?:00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])|[fF]{3}[eEfF])|\xef\xbf[\xbe\xbf]")
_FORM = b"application/x-www-form-urlencoded"


def unservable_text(text: str) -> str | None:
    """What in ``text`` cannot be served back (``"U+0001 at character 3"``), or ``None``."""
    found = UNSERVABLE_TEXT.search(text)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X} at character {found.start() + 1}"


def finite(value: Any) -> float | None:
    """``value`` as a float when it is a number a double holds (not NaN, not ±Infinity), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def unservable(value: Any) -> tuple[str, str] | None:
    """The first place in JSON-shaped ``value`` that cannot be served back: ``(field path, why)``.

    Strings (keys too) must be text XML 1.0 carries; numbers must be finite. Walked without recursion.
    """
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, str):
            why = unservable_text(node)
            if why is not None:
                return path or "(the value)", f"text XML 1.0 cannot carry: {why}"
        elif isinstance(node, float) and not math.isfinite(node):
            spelled = "NaN" if math.isnan(node) else "Infinity" if node > 0 else "-Infinity"
            return path or "(the value)", f"{spelled} is not a finite number"
        elif isinstance(node, dict):
            for key, child in node.items():
                where = f"{path}.{key}" if path else str(key)
                why = unservable_text(str(key))
                if why is not None:
                    return where, f"a name XML 1.0 cannot carry: {why}"
                pending.append((where, child))
        elif isinstance(node, list):
            pending.extend((f"{path}[{i}]", child) for i, child in enumerate(node))
    return None


def _text_of(raw: bytes) -> str:
    """Percent-encoded ``raw`` decoded as UTF-8 (``UnicodeDecodeError`` when it is not)."""
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def _holding(what: str, text: str) -> str | None:
    why = unservable_text(text)
    return None if why is None else f"{what} holds text XML 1.0 cannot carry: {why}"


def _checked(what: str, raw: bytes) -> str | None:
    """Why percent-encoded ``raw`` cannot be stored (not UTF-8, or text XML cannot carry), or ``None``."""
    try:
        text = _text_of(raw)
    except UnicodeDecodeError as exc:
        return f"{what} is not valid UTF-8 once percent-decoded (byte {exc.start + 1})"
    return _holding(what, text)


def _unservable_pairs(raw: bytes, what: str) -> str | None:
    """Why a query string or form body (``name=value&...``) cannot be stored, naming the field."""
    for pair in raw.split(b"&") if raw else ():
        name, _, value = pair.partition(b"=")
        why = _checked(f"A {what} field name", name) or _checked(f"The {what} field {_text_of(name)}", value)
        if why is not None:
            return why
    return None


def request_refusal(scope: Scope, body: bytes, content_type: bytes | None, loaded: Any) -> str | None:
    """Why a request carries a value the sandbox could not serve back (a 400 at the door), or ``None``.

    Looks at the path (as sent), the query string, a form body, and a JSON body already parsed
    (``loaded``; ``None`` when the body is not JSON). TAB, LF and CR are fine everywhere.
    """
    raw_path = scope.get("raw_path")
    path = raw_path.partition(b"?")[0] if isinstance(raw_path, bytes) else None
    # Where the server gave only the decoded path, that is looked at.
    why = _checked("The path", path) if path is not None else _holding("The path", str(scope.get("path", "")))
    why = why or _unservable_pairs(scope.get("query_string", b""), "query")
    if why is not None:
        return why
    if content_type is not None and content_type.split(b";")[0].strip().lower() == _FORM:
        return _unservable_pairs(body, "form")
    if loaded is not None and _SUSPECT_JSON.search(body):
        found_at = unservable(loaded)
        if found_at is not None:
            return f"Request body field {found_at[0]}: {found_at[1]}"
    return None
