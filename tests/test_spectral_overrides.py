"""Spectral's media-example rule is off for the seed samples only, each named in ``.spectral.yaml``.

A seed sample (``x-seed-example: true``) is the vendor's own word, copied as its doc gives it, even where
the doc abbreviates an answer our schema describes whole: ``tests/test_seed_samples.py`` holds each one
against the real answer, with the spec's ``x-seed-differences``. Spectral's ``oas3-valid-media-example``
would fail ``make check`` on those abbreviations, so ``.spectral.yaml`` turns it off for exactly these
examples, by JSON pointer, and for nothing else: this test keeps that list equal to the specs' seed samples.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
RULE = "oas3-valid-media-example"


def _escaped(key: Any) -> str:
    # A JSON pointer token (RFC 6901), written as a URI fragment: braces percent-encoded (section 6), as
    # Spectral matches them (a raw ``{userId}`` in ``files`` matches nothing).
    return str(key).replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D")


def _seed_examples(node: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = (*path, _escaped(key))
            if (
                len(path)
                and path[-1] == "examples"
                and isinstance(value, dict)
                and value.get("x-seed-example")
            ):
                yield "/" + "/".join(here)
            else:
                yield from _seed_examples(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _seed_examples(value, (*path, str(index)))


def seed_example_pointers() -> set[str]:
    """``specs/<file>#/<pointer>`` of every seed sample in the bundled specs."""
    return {
        f"specs/{spec.name}#{pointer}"
        for spec in sorted((ROOT / "specs").glob("*.yaml"))
        for pointer in _seed_examples(yaml.safe_load(spec.read_text(encoding="utf-8")))
    }


def _exempted() -> tuple[set[str], list[dict[str, Any]]]:
    ruleset = yaml.safe_load((ROOT / ".spectral.yaml").read_text(encoding="utf-8"))
    overrides: list[dict[str, Any]] = ruleset.get("overrides") or []
    files = {f for o in overrides if o.get("rules", {}).get(RULE) == "off" for f in o.get("files", ())}
    return files, overrides


def test_the_media_example_rule_is_off_for_exactly_the_seed_samples() -> None:
    files, overrides = _exempted()
    pointers = seed_example_pointers()
    assert pointers, "no seed samples found: the walk is broken"
    assert files == pointers
    # Only that rule is off, and only there.
    assert all(set(o.get("rules", {})) == {RULE} for o in overrides)
    assert all("#/" in f for o in overrides for f in o.get("files", ()))
