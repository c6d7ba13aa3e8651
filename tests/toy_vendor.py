"""A toy vendor written entirely into a temporary folder, as another package would ship one.

It takes its key from a JSON body field (or the query, on a request without a body), serves one JSON
operation and one that answers XML when asked, and is registered by a ``lms_sandbox.vendors`` entry
point in a ``.dist-info`` folder beside it, or with ``register_vendor``. Nothing in lms-sandbox names it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml

PACKAGE = "toy_vendor"
KEY = "toy-key"

_INIT = '''
"""Toy notes API: one descriptor, its spec and scenario beside it."""

from pathlib import Path

from mockserver.vendors import Command, ControlAction, KeyScheme, Refusal, SpecMount, Vendor
from mockserver.vendors.credentials import Field, json_field, query

HERE = Path(__file__).parent

VENDOR = Vendor(
    name="toy",
    title="Toy Notes",
    prefix="/toy",
    specs=(SpecMount(str(HERE / "toy.yaml")),),
    default_fixture=str(HERE / "scenario.yaml"),
    credentials=KeyScheme(
        fields=(Field("key", (json_field("key"), query("key"))),),
        defaults=({"key": "toy-key"},),
        missing=Refusal(401, "Send your key as the JSON field 'key'."),
        invalid=Refusal(403, "That key is not valid."),
    ),
    build="toy_vendor.app:build",
    seed="toy_vendor.app:seed",
    errors="toy_vendor.app:render_error",
    formats=("json", "xml"),
    format_parameter="format",
    actions=(
        ControlAction("texts", "every note's text, sorted", "toy_vendor.app:texts", method="GET"),
        ControlAction("wipe", "delete every note", "toy_vendor.app:wipe"),
    ),
    commands=(
        Command("token", "print the toy key", "toy_vendor.app:configure_token", "toy_vendor.app:run_token"),
    ),
)
'''

_APP = '''
"""The toy app: notes in the store, one handler per operationId."""

from typing import Any

from mockserver.errors import NotFound
from mockserver.vendors.base import VendorContext, build_connexion_app


def render_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def seed(data: Any, scenario: Any) -> None:
    for _ in range(int(scenario.get("notes", 3))):
        rid = data.new_id("notes", 8)
        data.insert("notes", {"id": rid, "text": data.faker.sentence()})


def build(ctx: VendorContext) -> Any:
    def create_note(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        with ctx.store.locked():
            rid = ctx.data.new_id("notes", 8)
            note = ctx.data.insert("notes", {"id": rid, "text": body["text"]})
        return dict(note), 201

    def list_notes(body: dict[str, Any]) -> dict[str, Any]:
        with ctx.store.locked():
            notes = [dict(n) for n in ctx.data.collection("notes").values()]
        wanted = body.get("contains")
        if wanted:
            notes = [n for n in notes if wanted in n["text"]]
        return {"total": len(notes), "notes": notes}

    def read_note(body: dict[str, Any], note_id: str) -> dict[str, Any]:
        with ctx.store.locked():
            found = ctx.data.collection("notes").get(note_id)
        if found is None:
            raise NotFound(f"no note {note_id}")
        return dict(found)

    operations = {"createNote": create_note, "listNotes": list_notes, "readNote": read_note}
    return build_connexion_app(ctx=ctx, operations=operations, render_error=render_error)


def texts(ctx: VendorContext, body: Any) -> dict[str, Any]:
    with ctx.store.locked():
        return {"texts": sorted(n["text"] for n in ctx.data.collection("notes").values())}


def wipe(ctx: VendorContext, body: Any) -> tuple[dict[str, Any], int]:
    with ctx.store.locked():
        ids = list(ctx.data.collection("notes"))
        for rid in ids:
            ctx.data.delete("notes", rid)
    return {"deleted": len(ids)}, 200


def configure_token(parser: Any) -> None:
    parser.add_argument("--upper", action="store_true", help="in capitals")


def run_token(args: Any, vendor: Any) -> int:
    key = vendor.credentials.defaults[0]["key"]
    print(key.upper() if args.upper else key)
    return 0
'''


def _ref(name: str, kind: str = "schemas") -> dict[str, Any]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _post(
    operation_id: str,
    summary: str,
    answers: dict[str, Any],
    *,
    fields: dict[str, Any] | None = None,
    required: tuple[str, ...] = (),
    path_parameter: str | None = None,
    errors: tuple[str, ...] = ("400", "401", "403"),
) -> dict[str, Any]:
    """A toy POST operation: the key (and ``fields``) in its JSON body, every error the one Error."""
    body = {
        "type": "object",
        "required": ["key", *required],
        "properties": {"key": {"type": "string"}, **(fields or {})},
    }
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary}
    if path_parameter is not None:
        schema = {"type": "string"}
        operation["parameters"] = [{"name": path_parameter, "in": "path", "required": True, "schema": schema}]
    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    operation["responses"] = {**answers, **{status: _ref("Error", "responses") for status in errors}}
    return {"post": operation}


def _spec() -> dict[str, Any]:
    """The toy's OpenAPI document: create, list (JSON or XML) and read notes."""
    created = {
        "description": "Created.",
        "content": {"application/json": {"schema": _ref("Note")}},
        "links": {
            "ReadNote": {
                "operationId": "readNote",
                "parameters": {"noteId": "$response.body#/id"},
                "requestBody": {"key": KEY},
            }
        },
    }
    listed = {
        "description": "The notes.",
        "content": {kind: {"schema": _ref("NoteList")} for kind in ("application/json", "application/xml")},
    }
    read = {"description": "The note.", "content": {"application/json": {"schema": _ref("Note")}}}
    text = {"type": "string", "minLength": 1, "maxLength": 200}
    error = {
        "type": "object",
        "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Toy Notes", "version": "1"},
        "paths": {
            "/notes": _post(
                "createNote", "Create a note", {"201": created}, fields={"text": text}, required=("text",)
            ),
            "/notes/list": _post(
                "listNotes",
                "List notes, in JSON or XML",
                {"200": listed},
                fields={"contains": {"type": "string"}},
            ),
            "/notes/{noteId}": _post(
                "readNote",
                "Read one note",
                {"200": read},
                path_parameter="noteId",
                errors=("400", "401", "403", "404"),
            ),
        },
        "components": {
            "responses": {
                "Error": {
                    "description": "An error.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error"],
                                "properties": {"error": error},
                            }
                        }
                    },
                }
            },
            "schemas": {
                "Note": {
                    "type": "object",
                    "required": ["id", "text"],
                    "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                },
                "NoteList": {
                    "type": "object",
                    "required": ["total", "notes"],
                    "properties": {
                        "total": {"type": "integer"},
                        "notes": {"type": "array", "items": _ref("Note")},
                    },
                },
            },
        },
    }


def write_toy_vendor(folder: Path) -> Path:
    """The toy vendor's package and its entry point written into ``folder``; put ``folder`` on sys.path."""
    package = folder / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(textwrap.dedent(_INIT), encoding="utf-8")
    (package / "app.py").write_text(textwrap.dedent(_APP), encoding="utf-8")
    (package / "toy.yaml").write_text(yaml.safe_dump(_spec(), sort_keys=False), encoding="utf-8")
    (package / "scenario.yaml").write_text("api: toy\nnotes: 3\n", encoding="utf-8")
    info = folder / "toy_vendor-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: toy-vendor\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[lms_sandbox.vendors]\ntoy = toy_vendor:VENDOR\n", encoding="utf-8"
    )
    return folder
