"""Rails-style typed XML: ``decode(encode(value)) == value`` for every JSON value."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.xmlcodec import decode, encode


def _xml_char(c: str) -> bool:
    # XML 1.0 cannot hold most control characters, surrogates or U+FFFE/U+FFFF at all.
    code = ord(c)
    return c in "\t\n\r" or (0x20 <= code <= 0xD7FF) or (0xE000 <= code <= 0xFFFD) or code >= 0x10000


texts = st.text(st.characters().filter(_xml_char))
keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,10}", fullmatch=True)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


@given(json_values)
def test_decode_gives_back_any_json_value_it_was_encoded_from(value: Any) -> None:
    decoded = decode(encode(value))
    assert decoded == value
    assert _types(decoded) == _types(value)


def _types(value: Any) -> Any:
    """The value's shape with every leaf's type, so 1 and 1.0 and True are told apart."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        10**30,
        1.5,
        -0.0,
        1e-300,
        1e300,
        "",
        " ",
        "  padded  ",
        "\n",
        "line one\nline two\n",
        "a\r\nb",
        "\r",
        "\tindented",
        "<b>&amp; \"quotes\" 'apostrophes' ]]>",
        "true",
        "1",
        "null",
        "émoji 🎉 中文",
        [],
        [None],
        [""],
        ["", ""],
        [1],
        [[1]],
        [[]],
        [{}],
        {},
        {"a": {}},
        {"a": []},
        {"a": [{"b": None}]},
        {"item": ["x"], "type": "t", "nil": "n"},
        {"user": {"id": 1, "tags": ["a"], "score": 2.5, "active": True, "note": None, "bio": ""}},
    ],
)
def test_each_kind_of_json_value_survives_the_round_trip(value: Any) -> None:
    decoded = decode(encode(value))
    assert decoded == value
    assert _types(decoded) == _types(value)


def test_the_document_is_rails_style_with_type_and_nil_attributes() -> None:
    document = encode({"id": 3, "ok": True, "gone": None, "tags": ["a"], "ratio": 0.5}).decode()
    assert document.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "<response>" in document
    assert '<id type="integer">3</id>' in document
    assert '<ok type="boolean">true</ok>' in document
    assert '<gone nil="true"' in document
    assert '<tags type="array"><item>a</item></tags>' in document
    assert '<ratio type="float">0.5</ratio>' in document


def test_the_root_element_can_be_named() -> None:
    document = encode({"a": 1}, root="errors")
    assert b"<errors>" in document
    assert decode(document) == {"a": 1}


def test_decode_reads_untyped_xml_as_strings_and_accepts_text() -> None:
    assert decode("<r><code>5</code><msg>Nope</msg></r>") == {"code": "5", "msg": "Nope"}
    assert decode('<r code="5">Nope</r>') == "Nope"


def test_decode_reads_a_pretty_printed_document_ignoring_the_indentation() -> None:
    document = """<?xml version="1.0"?>
    <response>
      <id type="integer"> 3 </id>
      <ok type="boolean">
        true
      </ok>
      <tags type="array">
        <item>a</item>
        <item type="float">1.5</item>
      </tags>
      <none type="array">
      </none>
      <nested>
        <gone nil="true"/>
      </nested>
    </response>"""
    assert decode(document) == {"id": 3, "ok": True, "tags": ["a", 1.5], "none": [], "nested": {"gone": None}}
