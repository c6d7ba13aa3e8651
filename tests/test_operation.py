"""Handlers declare their operationIds on the method; ``operations_of`` collects the table."""

from __future__ import annotations

import pytest

from mockserver.errors import UnhandledOperation
from mockserver.vendors.operation import operation, operations_of


class Notes:
    @operation("listNotes")
    def list_notes(self) -> str:
        return "list"

    @operation("readNote", "readNoteByPost")
    def read_note(self) -> str:
        return "read"

    def _helper(self) -> str:
        return "not a handler"


class MoreNotes(Notes):
    @operation("createNote")
    def create_note(self) -> str:
        return "create"


def test_each_marked_method_serves_its_operation_ids_bound_to_the_object() -> None:
    table = operations_of(MoreNotes())
    assert sorted(table) == ["createNote", "listNotes", "readNote", "readNoteByPost"]
    assert table["readNoteByPost"]() == "read"
    assert table["listNotes"]() == "list"


def test_an_operation_id_served_twice_fails_naming_both_handlers() -> None:
    with pytest.raises(UnhandledOperation, match=r"'listNotes' has two handlers: Notes\.list_notes"):
        operations_of(Notes(), Notes())


def test_an_operation_needs_an_id() -> None:
    with pytest.raises(TypeError):
        operation()
