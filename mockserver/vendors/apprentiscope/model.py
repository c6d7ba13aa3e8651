"""ApprentiScope's rules as plain functions over the vendor's data (no HTTP here).

Handlers call these under the store lock. Records are stored as the API returns them; the one
quirk of shape (read-grade answers scores as strings) is applied by the handlers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ...collection import Index
from ...errors import Conflict, NotFound
from ...store import Record, VendorData

USERS = "users"
INVITATIONS = "invitations"
PARTNERS = "partners"
OCCUPATIONS = "occupations"
SUBMISSIONS = "submissions"
FILES = "files"
GRADES = "grades"

OJT = 1
RTI = 2

# RAPIDS coded fields: clients send integers or digit strings; stored and returned as integers.
CODE_FIELDS = (
    "gender",
    "ethnicity_hispanic_latino",
    "american_indian_alaskan_native",
    "asian",
    "black_african_american",
    "native_hawaiian_other_pacific_islander",
    "white",
    "veteran_status",
    "disability_status",
)
APPRENTICE_STATUSES = ("Active", "Suspended", "Exited", "Completed")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# User fields with an index: the unique email, and what read-users is filtered on most. Filed by
# their filter text, so one index answers both a read-users filter and an exact lookup (re-checked).
USER_INDEXES = ("email", "user_type", "company_id", "program_id", "apprentice_status", "last_name")


def now(data: VendorData) -> str:
    """The sandbox clock's time, as ApprentiScope stamps records."""
    return datetime.fromtimestamp(data.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: float) -> int | float:
    """2 decimals at most, and an int when whole (89.0 -> 89)."""
    rounded = round(float(value), 2)
    return int(rounded) if rounded.is_integer() else rounded


def _as_filter_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).casefold()


def _users_by(data: VendorData, field: str) -> Index:
    return data.index(USERS, field, unique=field == "email", key=_as_filter_text)


def _users_with(data: VendorData, field: str, value: Any) -> list[Record]:
    """Users whose ``field`` reads as ``value`` in a filter (case-insensitively), oldest first."""
    return data.collection(USERS).in_order(_users_by(data, field).ids(value))


def _of_user(data: VendorData, collection: str, uid: str) -> list[Record]:
    """The records of ``collection`` that belong to user ``uid``, oldest first."""
    records = data.collection(collection)
    return [r for r in records.in_order(data.index(collection, "uid").ids(uid)) if r["uid"] == uid]


def _get(data: VendorData, collection: str, rid: str, label: str) -> Record:
    try:
        return data.collection(collection)[rid]
    except KeyError:
        raise NotFound(f"{label} '{rid}' not found") from None


# --- users -------------------------------------------------------------------------------------


def normalize_user_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Store codes as integers and apprentice_status capitalised, whatever variant was sent."""
    out = dict(fields)
    for name in CODE_FIELDS:
        if name in out:
            out[name] = int(out[name])
    if "apprentice_status" in out:
        out["apprentice_status"] = str(out["apprentice_status"]).capitalize()
    return out


def _check_references(data: VendorData, fields: Mapping[str, Any]) -> None:
    if "program_id" in fields and fields["program_id"] not in data.collection(OCCUPATIONS):
        raise NotFound(
            f"program_id '{fields['program_id']}' is not an occupation in this account",
            field="program_id",
        )
    if "company_id" in fields and fields["company_id"] not in data.collection(PARTNERS):
        raise NotFound(
            f"company_id '{fields['company_id']}' is not a partner in this account",
            field="company_id",
        )


def email_taken(data: VendorData, email: str) -> bool:
    """Whether a user has ``email``, whatever its case."""
    return _users_by(data, "email").count(email) > 0


def _check_email_free(data: VendorData, email: str, *, except_user: str | None = None) -> None:
    for user in _users_with(data, "email", email):
        if user["id"] != except_user:
            raise Conflict(f"email '{email}' is already used by user '{user['id']}'", field="email")


def create_user(data: VendorData, fields: Mapping[str, Any], *, managed: bool = True) -> Record:
    values = normalize_user_fields(fields)
    _check_references(data, values)
    _check_email_free(data, values["email"])
    stamp = now(data)
    user = {
        "id": data.new_id(USERS),
        **values,
        "managed": managed,
        "created_at": stamp,
        "updated_at": stamp,
    }
    return data.insert(USERS, user)


def get_user(data: VendorData, uid: str) -> Record:
    return _get(data, USERS, uid, "user")


def update_user(data: VendorData, uid: str, fields: Mapping[str, Any]) -> Record:
    get_user(data, uid)
    values = normalize_user_fields(fields)
    _check_references(data, values)
    if "email" in values:
        _check_email_free(data, values["email"], except_user=uid)
    return data.update(USERS, uid, {**values, "updated_at": now(data)})


def delete_user(data: VendorData, uid: str) -> None:
    """Delete a user with everything that hangs off it (grades, files, submissions)."""
    get_user(data, uid)
    data.delete(USERS, uid)
    for collection in (GRADES, FILES, SUBMISSIONS):
        for rid in data.index(collection, "uid").ids(uid):
            data.delete(collection, rid)


def _candidates(data: VendorData, user_type: str, wanted: Mapping[str, set[str]]) -> list[Record] | None:
    """The users an index narrows a read-users query to (a superset of the answer); None: no index helps."""
    choices = [(field, values) for field, values in wanted.items() if field in USER_INDEXES]
    if user_type != "all":
        choices.append(("user_type", {user_type}))
    if not choices:
        return None
    field, values = min(
        choices, key=lambda choice: sum(_users_by(data, choice[0]).count(v) for v in choice[1])
    )
    index = _users_by(data, field)
    return data.collection(USERS).in_order(rid for value in values for rid in index.ids(value))


def list_users(data: VendorData, user_type: str, filters: Mapping[str, list[str]]) -> list[Record]:
    """Users of ``user_type`` (or ``all``) matching every filter field, case-insensitively.

    A field given more than once matches any of its values.
    """
    wanted = {key: {value.casefold() for value in values} for key, values in filters.items()}
    candidates = _candidates(data, user_type, wanted)
    return [
        user
        for user in (data.collection(USERS).values() if candidates is None else candidates)
        if (user_type == "all" or user["user_type"] == user_type)
        and all(key in user and _as_filter_text(user[key]) in values for key, values in wanted.items())
    ]


def create_invitation(data: VendorData, fields: Mapping[str, Any]) -> Record:
    _check_references(data, fields)
    _check_email_free(data, fields["email"])
    invitations = data.collection(INVITATIONS)
    to_email = data.index(INVITATIONS, "email", key=_as_filter_text)
    for invitation in invitations.in_order(to_email.ids(fields["email"])):
        if invitation["status"] == "pending":
            raise Conflict(f"an invitation to '{fields['email']}' is already pending", field="email")
    invitation = {"id": data.new_id(INVITATIONS), **fields, "status": "pending", "sent_at": now(data)}
    return data.insert(INVITATIONS, invitation)


# --- partners and occupations ------------------------------------------------------------------


def create_partner(data: VendorData, fields: Mapping[str, Any]) -> Record:
    stamp = now(data)
    partner = {"id": data.new_id(PARTNERS), **fields, "created_at": stamp, "updated_at": stamp}
    return data.insert(PARTNERS, partner)


def get_partner(data: VendorData, pid: str) -> Record:
    return _get(data, PARTNERS, pid, "partner")


def list_partners(data: VendorData, partner_type: str) -> list[Record]:
    partners = data.collection(PARTNERS)
    return partners.in_order(data.index(PARTNERS, "type").ids(partner_type))


def update_partner(data: VendorData, pid: str, fields: Mapping[str, Any]) -> Record:
    get_partner(data, pid)
    return data.update(PARTNERS, pid, {**fields, "updated_at": now(data)})


def _users_referring(data: VendorData, field: str, rid: str) -> list[str]:
    return [u["id"] for u in _users_with(data, field, rid) if u.get(field) == rid]


def delete_partner(data: VendorData, pid: str) -> None:
    get_partner(data, pid)
    users = _users_referring(data, "company_id", pid)
    if users:
        raise Conflict(f"partner '{pid}' still has {len(users)} user(s); move or delete them first")
    data.delete(PARTNERS, pid)


def get_occupation(data: VendorData, oid: str) -> Record:
    return _get(data, OCCUPATIONS, oid, "occupation")


def list_occupations(data: VendorData) -> list[Record]:
    return list(data.collection(OCCUPATIONS).values())


def update_occupation(data: VendorData, oid: str, fields: Mapping[str, Any]) -> Record:
    get_occupation(data, oid)
    return data.update(OCCUPATIONS, oid, {**fields, "updated_at": now(data)})


def delete_occupation(data: VendorData, oid: str) -> None:
    get_occupation(data, oid)
    users = _users_referring(data, "program_id", oid)
    if users:
        raise Conflict(
            f"occupation '{oid}' still has {len(users)} user(s) enrolled; move or delete them first"
        )
    data.delete(OCCUPATIONS, oid)


def rti_course(data: VendorData, course_id: str) -> Record:
    """The RTI course ``course_id`` of any occupation."""
    for occupation in data.collection(OCCUPATIONS).values():
        for course in occupation["rti_courses"]:
            if course["id"] == course_id:
                return dict(course)
    raise NotFound(f"course_id '{course_id}' is not an RTI course of any occupation", field="course_id")


# --- hours, progress ---------------------------------------------------------------------------


def day_of(date_obj: str) -> str:
    """YYYYMMDD of a serialised JS Date (``2024-08-15`` or ``2024-08-15T14:00:00.000Z``)."""
    match = _ISO_DAY.match(date_obj)
    if match is None:  # the spec's pattern guarantees a match
        raise ValueError(f"not an ISO date: {date_obj!r}")
    return "".join(match.groups())


def _program_items(data: VendorData, user: Record, kind: int) -> dict[str, Record]:
    program_id = user.get("program_id")
    if not program_id or program_id not in data.collection(OCCUPATIONS):
        raise Conflict(f"user '{user['id']}' is not enrolled in a program, so hours cannot be submitted")
    occupation = data.collection(OCCUPATIONS)[program_id]
    items = occupation["ojt_competencies"] if kind == OJT else occupation["rti_courses"]
    return {item["id"]: item for item in items}


def submit_hours(data: VendorData, uid: str, kind: int, item: Mapping[str, Any]) -> Record:
    """Record OJT (1) or RTI (2) hours against the competencies or courses of the user's program."""
    user = get_user(data, uid)
    items = _program_items(data, user, kind)
    label = "OJT competency" if kind == OJT else "RTI course"
    entries = []
    for entry in item["competencies"]:
        if entry["id"] not in items:
            raise NotFound(f"{label} '{entry['id']}' is not part of the user's program", field="competencies")
        entries.append(
            {
                "id": entry["id"],
                "title": items[entry["id"]]["title"],
                "hours_worked": _number(entry["hours_worked"]),
            }
        )
    submission = {
        "id": data.new_id(SUBMISSIONS),
        "uid": uid,
        "type": kind,
        "date": day_of(item["date_obj"]),
        "date_obj": item["date_obj"],
        "competencies": entries,
        "total_hours": _number(sum(e["hours_worked"] for e in entries)),
        "status": "approved",
        "created_at": now(data),
    }
    return data.insert(SUBMISSIONS, submission)


def list_submissions(data: VendorData, kind: int, start: str | None, end: str | None) -> list[Record]:
    """Submissions of one type whose day lies in [start, end] (YYYYMMDD, both optional)."""
    found = [
        s
        for s in data.collection(SUBMISSIONS).values()
        if s["type"] == kind and (start is None or s["date"] >= start) and (end is None or s["date"] <= end)
    ]
    return sorted(found, key=lambda s: (s["date"], s["id"]))


def _percent(done: float, required: float) -> int | float:
    return _number(min(100.0, 100.0 * done / required)) if required else 0


def _section(items: Iterable[Record], hours: Mapping[str, float]) -> dict[str, Any]:
    rows = [
        {
            "id": item["id"],
            "title": item["title"],
            "hours_required": _number(item["hours_required"]),
            "hours_completed": _number(hours.get(item["id"], 0.0)),
            "percent_complete": _percent(hours.get(item["id"], 0.0), item["hours_required"]),
        }
        for item in items
    ]
    required = sum(float(r["hours_required"]) for r in rows)
    done = sum(float(r["hours_completed"]) for r in rows)
    return {
        "hours_required": _number(required),
        "hours_completed": _number(done),
        "percent_complete": _percent(done, required),
        "items": rows,
    }


def progress(data: VendorData, uid: str, kind: str) -> dict[str, Any]:
    """Program progress from submitted hours: ``1`` OJT, ``3`` (or ``2``) RTI, ``all`` both."""
    user = get_user(data, uid)
    occupation = data.collection(OCCUPATIONS).get(user.get("program_id", ""))
    hours: dict[int, dict[str, float]] = {OJT: defaultdict(float), RTI: defaultdict(float)}
    for submission in _of_user(data, SUBMISSIONS, uid):
        for entry in submission["competencies"]:
            hours[submission["type"]][entry["id"]] += entry["hours_worked"]
    result: dict[str, Any] = {"user_id": uid, "type": kind}
    if occupation is not None:
        result["program_id"] = occupation["id"]
    if kind in ("1", "all"):
        result["ojt"] = _section(occupation["ojt_competencies"] if occupation else [], hours[OJT])
    if kind in ("2", "3", "all"):
        result["rti"] = _section(occupation["rti_courses"] if occupation else [], hours[RTI])
    return result


# --- files and grades --------------------------------------------------------------------------


def create_file(data: VendorData, fields: Mapping[str, Any]) -> Record:
    get_user(data, fields["uid"])
    record = {"id": data.new_id(FILES), **fields, "created_at": now(data)}
    return data.insert(FILES, record)


def _normalize_grade(fields: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for name in ("score_received", "score_possible"):
        if name in out:
            out[name] = _number(out[name])
    return out


def create_grade(data: VendorData, fields: Mapping[str, Any]) -> Record:
    get_user(data, fields["uid"])
    if "course_id" in fields:
        rti_course(data, fields["course_id"])
    values = {"score_possible": 100, **_normalize_grade(fields)}
    grade = {"id": data.new_id(GRADES), **values}
    return data.insert(GRADES, grade)


def get_grade(data: VendorData, gid: str) -> Record:
    return _get(data, GRADES, gid, "grade")


def list_grades(data: VendorData, uid: str) -> list[Record]:
    get_user(data, uid)
    return _of_user(data, GRADES, uid)


def update_grade(data: VendorData, gid: str, fields: Mapping[str, Any]) -> Record:
    get_grade(data, gid)
    if "course_id" in fields:
        rti_course(data, fields["course_id"])
    return data.update(GRADES, gid, _normalize_grade(fields))


def delete_grade(data: VendorData, gid: str) -> None:
    get_grade(data, gid)
    data.delete(GRADES, gid)
