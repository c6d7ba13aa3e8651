"""``Vendor.of``: a vendor package's descriptor, the conventional fields derived from the package."""

from __future__ import annotations

from typing import Any

from mockserver.vendors import KeyScheme, Refusal, SpecMount, Vendor
from mockserver.vendors.credentials import Field, header

CREDENTIALS = KeyScheme(
    fields=(Field("key", (header("X-Key"),)),),
    defaults=({"key": "k"},),
    missing=Refusal(401, "missing"),
    invalid=Refusal(401, "invalid"),
)
SPECS = (SpecMount("notes.yaml"),)


def notes(**given: Any) -> Vendor:
    return Vendor.of("acme.vendors.notes", title="Notes", specs=SPECS, credentials=CREDENTIALS, **given)


def test_the_fields_a_vendor_package_leaves_out_are_derived_from_its_name() -> None:
    vendor = notes()
    assert (vendor.name, vendor.prefix, vendor.default_fixture) == ("notes", "/notes", "notes/default.yaml")
    assert (vendor.build, vendor.seed, vendor.errors) == (
        "acme.vendors.notes.app:build",
        "acme.vendors.notes.seed:seed",
        "acme.vendors.notes.errors:render_error",
    )
    assert vendor.factory == "acme.vendors.notes.factory:NotesFactory"
    assert vendor.workflow == "contracts.workflows.notes:NotesWorkflow"
    assert vendor.stress == "contracts.workflows.notes_stress:NotesStress"
    assert vendor.front is None
    assert vendor.edge_errors is None


def test_a_given_field_wins_and_a_reference_starting_with_a_dot_is_the_packages() -> None:
    given = {"prefix": "/memos", "seed": ".app:seed", "front": ".case:fold", "workflow": None}
    vendor = notes(**given, stress="elsewhere.stress:NotesStress")
    assert (vendor.prefix, vendor.seed, vendor.front) == (
        "/memos",
        "acme.vendors.notes.app:seed",
        "acme.vendors.notes.case:fold",
    )
    assert vendor.workflow is None
    assert vendor.stress == "elsewhere.stress:NotesStress"
