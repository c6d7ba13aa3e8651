"""The user's cache: Connexion's spec check and the YAML parse, done once per distinct document; the
documents' JSON twins."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification

from mockserver import cache
from mockserver._connexion import check_specs_once
from mockserver.specs import load_spec, pickled_document, twin_path, write_twins


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


def _twin(path: Path, document: dict[str, Any], made_from: bytes) -> None:
    twin = twin_path(path)
    twin.parent.mkdir(exist_ok=True)
    twin.write_text(json.dumps({"digest": cache.digest(made_from), "document": document}))


def test_a_twin_made_from_the_very_file_is_read_instead_of_the_yaml(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\n")
    _twin(path, {"a": "from the twin"}, path.read_bytes())
    assert pickle.loads(pickled_document(path)) == {"a": "from the twin"}


def test_a_twin_of_an_edited_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_SANDBOX_CACHE", "off")
    path = tmp_path / "doc.yaml"
    _twin(path, {"a": "stale"}, b"a: 1\n")
    path.write_text("a: 2\n")
    assert pickle.loads(pickled_document(path)) == {"a": 2}


def test_twins_are_written_for_the_documents_json_carries_whole(tmp_path: Path) -> None:
    (tmp_path / "plain.yaml").write_text("openapi: 3.0.3\npaths: {'/x': {}}\nn: 1.5\n")
    (tmp_path / "dated.yaml").write_text("info: {date: 2024-01-02}\n")
    (tmp_path / "numbered.yaml").write_text("responses: {200: {description: ok}}\n")
    assert write_twins(tmp_path) == [twin_path(tmp_path / "plain.yaml")]
    written = json.loads(twin_path(tmp_path / "plain.yaml").read_text())
    assert written["document"] == {"openapi": "3.0.3", "paths": {"/x": {}}, "n": 1.5}
    assert written["digest"] == cache.digest((tmp_path / "plain.yaml").read_bytes())
