"""The vendor apps' JSON encoder: the same values as Connexion's, faster."""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from connexion.jsonifier import Jsonifier

from mockserver.jsonify import FastJsonifier


@dataclasses.dataclass
class Point:
    x: int


VALUES: list[Any] = [
    {"id": 1, "name": "Ada", "tags": ["a", None], "score": 1.5, "ok": True},
    {1: "int key", "nested": {"deep": [1, 2, {"x": None}]}},
    {"at": datetime.datetime(2025, 9, 1, 8, 3), "on": datetime.date(2025, 9, 1)},
    {"at": datetime.datetime(2025, 9, 1, 8, 3, tzinfo=datetime.UTC)},
    {"price": Decimal("9.99"), "ref": uuid.UUID(int=5)},
    {"big": 2**70},
    "text",
    [],
]


@pytest.mark.parametrize("value", VALUES, ids=[str(i) for i in range(len(VALUES))])
def test_the_same_json_value_as_connexions_encoder(value: Any) -> None:
    fast = FastJsonifier().dumps(value)
    assert fast.endswith("\n")
    assert json.loads(fast) == json.loads(Jsonifier(json).dumps(value))


def test_what_connexion_cannot_encode_fails_as_it_did() -> None:
    for broken in ({"p": Point(1)}, {"s": {1, 2}}):
        with pytest.raises(TypeError):
            Jsonifier(json).dumps(broken)
        with pytest.raises(TypeError):
            FastJsonifier().dumps(broken)


def test_arguments_connexion_passes_go_to_its_own_encoder() -> None:
    assert FastJsonifier().dumps({"a": 1}, indent=2) == Jsonifier(json).dumps({"a": 1}, indent=2)
