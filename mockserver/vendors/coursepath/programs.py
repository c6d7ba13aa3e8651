"""Coursepath's programs and program members: plain functions over the store.

The API has no call that lists or reads programs: they come from the scenario (or the factory), and
members are added to and removed from them by id.
"""

from __future__ import annotations

from ...errors import NotFound
from ...store import Record, VendorData
from .model import PROGRAM_MEMBERS, PROGRAMS, now


def get_program(data: VendorData, program_id: str) -> Record:
    found = data.collection(PROGRAMS).get(program_id)
    if found is None:
        raise NotFound(f"Program {program_id} not found.", field="programId")
    return found


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


def _key(program: Record, member: Record) -> str:
    return f"{program['id']}:{member['id']}"


def public(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "id"}


def add(
    data: VendorData, program: Record, member: Record, *, enrolled: str | None = None
) -> tuple[Record, bool]:
    """The member in ``program`` as learner, added first if needed; and whether it is new."""
    existing = data.collection(PROGRAM_MEMBERS).get(_key(program, member))
    if existing is not None:
        return existing, False
    record = {
        "id": _key(program, member),
        "programId": program["id"],
        "memberId": member["id"],
        "role": "learner",
        "enrolled": enrolled or now(data),
    }
    return data.insert(PROGRAM_MEMBERS, record), True


def remove(data: VendorData, program: Record, member: Record) -> Record:
    """Take the member out of ``program``; ``404`` when not in it."""
    found = data.collection(PROGRAM_MEMBERS).get(_key(program, member))
    if found is None:
        raise NotFound(f"Member {member['id']} is not in program {program['id']}.", field="memberId")
    return data.delete(PROGRAM_MEMBERS, found["id"])


def programs_of(data: VendorData, member: Record) -> list[Record]:
    programs = data.collection(PROGRAMS)
    return [programs[pm["programId"]] for pm in data.find(PROGRAM_MEMBERS, "memberId", member["id"])]
