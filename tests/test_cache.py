"""The user's cache: Connexion's spec check and the YAML parse, done once per distinct document."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification

from mockserver import cache
from mockserver._connexion import check_specs_once
from mockserver.specs import load_spec, pickled_document


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LMS_SANDBOX_CACHE", raising=False)
    check_specs_once()  # as every app builder does, before its add_api
    return tmp_path / "cache" / "lms-sandbox"


def _document(title: str, **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": title, "version": "1"}, "paths": {}, **extra}


def test_a_valid_document_is_checked_once_and_remembered(cache_home: Path) -> None:
    Specification.from_dict(_document("once"))
    assert len(list((cache_home / "valid-specs").iterdir())) == 1
    Specification.from_dict(_document("once"))
    assert len(list((cache_home / "valid-specs").iterdir())) == 1
    Specification.from_dict(_document("another"))
    assert len(list((cache_home / "valid-specs").iterdir())) == 2


def test_an_invalid_document_still_raises_and_is_never_remembered(cache_home: Path) -> None:
    Specification.from_dict(_document("fine"))
    broken = _document("broken", paths={"/x": {"get": {"responses": "not a mapping"}}})
    for _ in range(2):
        with pytest.raises(InvalidSpecification):
            Specification.from_dict(broken)
    assert len(list((cache_home / "valid-specs").iterdir())) == 1


def test_a_default_against_its_schema_is_still_checked() -> None:
    parameter = {"name": "n", "in": "query", "schema": {"type": "integer", "default": "ten"}}
    document = _document("defaults", paths={"/x": {"get": {"parameters": [parameter], "responses": {}}}})
    with pytest.raises(InvalidSpecification):
        Specification.from_dict(document)


def test_a_changed_file_is_parsed_again(tmp_path: Path, cache_home: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\n")
    assert pickle.loads(pickled_document(path)) == {"a": 1}
    path.write_text("a: 2\n")
    assert pickle.loads(pickled_document(path)) == {"a": 2}
    assert len(list((cache_home / "parsed-specs").iterdir())) == 2


def test_a_bundled_spec_reads_the_same_from_the_cache() -> None:
    first = load_spec("apprentiscope.yaml")
    assert load_spec("apprentiscope.yaml") == first
    first["info"]["title"] = "changed"
    assert load_spec("apprentiscope.yaml")["info"]["title"] != "changed"


def test_turned_off_or_unwritable_the_cache_only_costs_the_work(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMS_SANDBOX_CACHE", "off")
    cache.write("kind", "key", b"data")
    assert cache.read("kind", "key") is None
    assert not cache_home.exists()
    monkeypatch.delenv("LMS_SANDBOX_CACHE")
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("a file where the folder should be")
    cache.write("kind", "key", b"data")
    assert cache.read("kind", "key") is None
    Specification.from_dict(_document("still works"))
