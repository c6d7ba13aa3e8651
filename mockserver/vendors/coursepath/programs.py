"""Coursepath's programs and program members: plain functions over the store.

The API has no call that lists or reads programs: they come from the scenario (or the factory), and
members are added to and removed from them by id.
"""

from __future__ import annotations

from ...store import Record, VendorData
from .model import PROGRAM_MEMBERS, PROGRAMS, join, linked, lookup, membership_key


def get_program(data: VendorData, program_id: str) -> Record:
    return lookup(data, PROGRAMS, program_id, f"Program {program_id} not found.", "programId")


def create_program(
    data: VendorData, name: str, description: str | None, created: str, program_id: str | None = None
) -> Record:
    program = {
        "id": program_id or data.new_id(PROGRAMS, 8),
        "name": name,
        "description": description,
        "created": created,
    }
    return data.insert(PROGRAMS, program)


def public(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "id"}


def add(
    data: VendorData, program: Record, member: Record, *, enrolled: str | None = None
) -> tuple[Record, bool]:
    """The member in ``program`` as learner, added first if needed; and whether it is new."""
    return join(data, PROGRAM_MEMBERS, ("programId", program), member, enrolled)


def remove(data: VendorData, program: Record, member: Record) -> Record:
    """Take the member out of ``program``; ``404`` when not in it."""
    missing = f"Member {member['id']} is not in program {program['id']}."
    found = lookup(data, PROGRAM_MEMBERS, membership_key(program, member), missing, "memberId")
    return data.delete(PROGRAM_MEMBERS, found["id"])


def programs_of(data: VendorData, member: Record) -> list[Record]:
    return linked(data, PROGRAM_MEMBERS, member, ("memberId", "programId"), PROGRAMS)
