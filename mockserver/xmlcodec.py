"""JSON-shaped data as XML and back, the way Rails' ``to_xml`` writes it (``type`` and ``nil`` attributes).

The attributes keep the JSON types (integer, float, boolean, array, null), so an XML answer decodes to
exactly the body it was made from, and the contracts validate it against the same schema as JSON.
Public, and import-light (xmltodict only): ``contracts`` decodes XML answers with ``decode``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xmltodict

ROOT = "response"
ITEM = "item"


def _node(value: Any) -> Any:
    if value is None:
        return {"@nil": "true"}
    if isinstance(value, bool):
        return {"@type": "boolean", "#text": "true" if value else "false"}
    if isinstance(value, int | float):
        return {"@type": "integer" if isinstance(value, int) else "float", "#text": repr(value)}
    if isinstance(value, Mapping):
        return {str(key): _node(item) for key, item in value.items()} or {"@type": "hash"}
    if isinstance(value, list | tuple):
        return {"@type": "array", ITEM: [_node(item) for item in value]} if value else {"@type": "array"}
    return str(value)


def encode(body: Any, root: str = ROOT) -> bytes:
    """``body`` (JSON-ready) as an XML document with root element ``root``."""
    document = xmltodict.unparse({root: _node(body)}, encoding="utf-8", short_empty_elements=True)
    # XML parsers turn a literal CR (and CRLF) into LF; as a character reference it survives. The
    # generated markup holds no CR of its own, so every CR here is inside a string value.
    return str(document).replace("\r", "&#13;").encode("utf-8")


def _value(node: Any) -> Any:
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    kind = node.get("@type")
    if node.get("@nil") == "true":
        return None
    text = node.get("#text", "")
    if kind == "array":
        items = node.get(ITEM, [])
        return [_value(item) for item in (items if isinstance(items, list) else [items])]
    if kind == "integer":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "boolean":
        return text.strip() == "true"
    if kind == "hash":
        return {}
    children = {key: item for key, item in node.items() if not key.startswith(("@", "#"))}
    if not children:
        return text
    return {key: _value(item) for key, item in children.items()}


def decode(document: bytes | str) -> Any:
    """The JSON-shaped value an ``encode``d document holds (its root element's content)."""
    # A string's leading and trailing whitespace is part of its value; ``encode`` adds none of its own.
    parsed = xmltodict.parse(document, strip_whitespace=False)
    (root,) = parsed.values()
    return _value(root)
