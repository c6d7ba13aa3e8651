"""Coursepath's rules as plain functions over the store: members, courses, course members, paging.

Records are stored as the API answers them. Ids are strings from the vendor's seeded generator;
dates are ISO 8601 in UTC (``2025-08-31T09:30:00Z``), on the sandbox clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ...errors import Conflict, InvalidInput, NotFound
from ...store import Record, VendorData
from ..base import VendorContext
from . import COMPLETED, CREATED, DELETED

MEMBERS = "members"
COURSES = "courses"
COURSE_MEMBERS = "coursemembers"
PROGRAMS = "programs"
PROGRAM_MEMBERS = "programmembers"
GROUPS = "groups"
GROUP_MEMBERS = "groupmembers"
OUTBOX = "outbox"
COLLECTIONS = (MEMBERS, COURSES, COURSE_MEMBERS, PROGRAMS, PROGRAM_MEMBERS, GROUPS, GROUP_MEMBERS, OUTBOX)

# Members' writable fields besides email; the list filters are email and these but name.
MEMBER_FIELDS = (
    "name",
    "company",
    "department",
    "country",
    "externalId",
    "association",
    "identification",
    "registration",
)
FILTERS = ("email", *MEMBER_FIELDS[1:])

# "100, 250 or 500 objects, depending on the API endpoint": the sandbox's choice per list (the spec
# records it as each limit's default).
DEFAULT_LIMITS = {
    "courses": 100,
    "memberCourses": 250,
    "courseMembers": 250,
    "members": 500,
    "groups": 100,
    "groupMembers": 250,
    "memberGroups": 250,
}
MAX_LIMIT = 1000


def _fold(value: str) -> str:
    return value.casefold()


def declare(data: VendorData) -> None:
    """The indexes every rule relies on (declared before seeding and on every app).

    Keys fold case with the builtin ``str.casefold``: a function of this module would differ between
    two imports of it (pytester runs re-import the vendor), and the store refuses to redeclare an index
    with another key function.
    """
    data.index(MEMBERS, "email", unique=True, key=str.casefold)
    data.index(COURSE_MEMBERS, "memberId")
    data.index(COURSE_MEMBERS, "courseId")
    data.index(PROGRAM_MEMBERS, "memberId")
    data.index(GROUPS, "name", unique=True, key=str.casefold)
    data.index(GROUP_MEMBERS, "memberId")
    data.index(GROUP_MEMBERS, "groupId")
    for field in FILTERS[1:]:
        # The list filters: a filtered list looks up its first filter instead of reading every member.
        data.index(MEMBERS, field, key=str.casefold)


# values


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now(data: VendorData) -> str:
    return stamp(datetime.fromtimestamp(data.clock(), UTC))


def name_from_email(email: str) -> str:
    """``john.smith42@example.com`` -> ``John Smith``, as Coursepath names a member sent without a name."""
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._\-+]+", re.sub(r"\d+", " ", local)) for w in w.split() if w]
    return " ".join(w.capitalize() for w in words) or local


def page(records: Sequence[Record], offset: int | None, limit: int | None, endpoint: str) -> list[Record]:
    """One page of ``records``: ``limit`` (default per endpoint) from ``offset`` (default 0)."""
    start = offset or 0
    size = DEFAULT_LIMITS[endpoint] if limit is None else limit
    return [dict(r) for r in records[start : start + size]]


# members


def is_member(ctx: VendorContext, email: str) -> bool:
    """Whether a token's ``email`` names a member of the academy (the edge refuses it otherwise)."""
    # The index is declared when the app is built (handlers), and outlives resets and imports.
    return member_by_email(ctx.data, email) is not None


def first(data: VendorData, collection: str, field: str, value: Any) -> Record | None:
    """The record of ``collection`` whose (unique) ``field`` is ``value``, if any."""
    found = data.find(collection, field, value)
    return found[0] if found else None


def lookup(data: VendorData, collection: str, key: str, missing: str, field: str) -> Record:
    """The record of ``collection`` at ``key``; a 404 saying ``missing`` about ``field`` when none is."""
    found = data.collection(collection).get(key)
    if found is None:
        raise NotFound(missing, field=field)
    return found


def member_by_email(data: VendorData, email: str) -> Record | None:
    return first(data, MEMBERS, "email", email)


def get_member(data: VendorData, member_id: str) -> Record:
    return lookup(data, MEMBERS, member_id, f"Member {member_id} not found.", "memberId")


def me(data: VendorData, email: str | None) -> Record:
    found = member_by_email(data, email or "")
    if found is None:  # the edge has checked the token's email; the member may have gone since
        raise NotFound(f"No member with email {email}.", field="email")
    return found


def list_members(data: VendorData, filters: Mapping[str, str | None]) -> list[Record]:
    """Members matching every filter given (compared ignoring case), in the order they were made."""
    wanted = {k: _fold(v) for k, v in filters.items() if v is not None}
    # The first non-empty filter is looked up in its index (text only: the spec makes these fields
    # strings); a filter on "" (members without the field) reads every member.
    looked_up = next((k for k, v in wanted.items() if v), None)
    if looked_up is not None:
        chosen: Iterable[Record] = data.find(MEMBERS, looked_up, wanted[looked_up])
    else:
        chosen = data.collection(MEMBERS).values()
    return [m for m in chosen if all(_fold(str(m.get(k) or "")) == v for k, v in wanted.items())]


def _member_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in MEMBER_FIELDS if k in body}


def create_member(
    data: VendorData, body: Mapping[str, Any], *, created: str | None = None, record_id: str | None = None
) -> tuple[Record, bool]:
    """A new member, or the member already using ``email``, unchanged; and whether it is new.

    ``record_id`` gives a seeded member a fixed id; one is drawn all the same, so no other id moves.
    """
    email = str(body["email"]).strip()
    existing = member_by_email(data, email)
    if existing is not None:
        return existing, False
    fields = {k: None for k in MEMBER_FIELDS} | _member_fields(body)
    if not fields["name"]:
        fields["name"] = name_from_email(email)
    when = created or now(data)
    drawn = data.new_id(MEMBERS, 10)
    member = {"id": record_id or drawn, "email": email, **fields, "created": when, "updated": when}
    return data.insert(MEMBERS, member), True


def update_member(data: VendorData, member: Record, body: Mapping[str, Any]) -> Record:
    """``member`` with the fields ``body`` names changed (the others kept)."""
    changes = _member_fields(body)
    if "email" in body:
        email = str(body["email"]).strip()
        other = member_by_email(data, email)
        if other is not None and other["id"] != member["id"]:
            raise Conflict(f"Email {email} is already used by another member.", field="email")
        changes["email"] = email
    if "name" in changes and not changes["name"]:
        changes["name"] = name_from_email(str(changes.get("email", member["email"])))
    return data.update(MEMBERS, member["id"], {**changes, "updated": now(data)})


# courses


def get_course(data: VendorData, course_id: str) -> Record:
    return lookup(data, COURSES, course_id, f"Course {course_id} not found.", "courseId")


def create_course(data: VendorData, name: str, description: str | None, created: str) -> Record:
    course = {"id": data.new_id(COURSES, 8), "name": name, "description": description, "created": created}
    return data.insert(COURSES, course)


def linked(
    data: VendorData, links: str, record: Record, ends: tuple[str, str], collection: str
) -> list[Record]:
    """The records of ``collection`` that ``links`` tie ``record`` to (``ends``: its id field, theirs)."""
    mine, theirs = ends
    found = data.collection(collection)
    return [found[link[theirs]] for link in data.find(links, mine, record["id"])]


def courses_of(data: VendorData, member: Record) -> list[Record]:
    return linked(data, COURSE_MEMBERS, member, ("memberId", "courseId"), COURSES)


def members_of(data: VendorData, course: Record) -> list[Record]:
    return linked(data, COURSE_MEMBERS, course, ("courseId", "memberId"), MEMBERS)


# course members


def membership_key(of: Record, member: Record) -> str:
    """The id of the member's record in a course, a program or a group."""
    return f"{of['id']}:{member['id']}"


def public_result(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "id"}


def get_result(data: VendorData, course: Record, member: Record) -> Record:
    missing = f"Member {member['id']} is not in course {course['id']}."
    return lookup(data, COURSE_MEMBERS, membership_key(course, member), missing, "memberId")


def enroll(
    data: VendorData, course: Record, member: Record, *, enrolled: str | None = None
) -> tuple[Record, bool]:
    """The member's result in ``course``, enrolling as learner first if needed; and whether it is new."""
    unfinished = {"completed": None, "score": None, "success": None, "certificate": None}
    record, new = join(data, COURSE_MEMBERS, ("courseId", course), member, enrolled, unfinished)
    if new:
        _notify(data, CREATED, record)
    return record, new


def join(
    data: VendorData,
    collection: str,
    of: tuple[str, Record],
    member: Record,
    enrolled: str | None,
    fields: Mapping[str, Any] | None = None,
) -> tuple[Record, bool]:
    """The member's record in ``of`` (a course or program, by its id field), added if needed; and if new."""
    field, parent = of
    key = membership_key(parent, member)
    existing = data.collection(collection).get(key)
    if existing is not None:
        return existing, False
    record = {
        "id": key,
        field: parent["id"],
        "memberId": member["id"],
        "role": "learner",
        "enrolled": enrolled or now(data),
        **(fields or {}),
    }
    return data.insert(collection, record), True


def _notify(data: VendorData, event: str, result: Record) -> None:
    data.emit(event, {"courseId": result["courseId"], "memberId": result["memberId"]})


def complete(data: VendorData, result: Record, score: float, success: bool, when: str) -> Record:
    """The learner's result completed (successfully or not), with a certificate on success."""
    certificate = f"https://academy.coursepath.com/certificates/{result['courseId']}-{result['memberId']}.pdf"
    completed = data.update(
        COURSE_MEMBERS,
        result["id"],
        {
            "completed": when,
            "score": score,
            "success": success,
            "certificate": certificate if success else None,
        },
    )
    _notify(data, COMPLETED, completed)
    return completed


def remove(data: VendorData, course: Record, member: Record) -> Record:
    """Take the member out of ``course``: the result (score, completion, certificate) goes with it."""
    result = get_result(data, course, member)
    removed = data.delete(COURSE_MEMBERS, result["id"])
    _notify(data, DELETED, removed)
    return removed


def check_page(offset: int | None, limit: int | None) -> None:
    if offset is not None and offset < 0:
        raise InvalidInput("offset must be 0 or more.", field="offset")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
