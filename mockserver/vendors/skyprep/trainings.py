"""SkyPrep's instructor-led trainings as plain functions over the store: trainings, their timeslots, and
the users registered in a timeslot.

The doc has no call that makes a training (they are made in SkyPrep's course editor): the sandbox's come
from the scenario and the test factory. Timeslots and registrations are created, updated and deleted
through the API. Times are ISO 8601 in UTC, as the doc's course-progress samples show them
("2020-03-21T12:02:11.000Z"); the timeslot filters take dates ("2020-01-01").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from ...errors import Conflict, InvalidInput, NotFound
from ...store import Record, VendorData
from .model import (
    COURSES,
    PROGRESSES,
    REGISTRATIONS,
    TIMESLOTS,
    TRAININGS,
    drop_links,
    find_record,
    id_list,
    new_id,
    now,
    public,
    require_existing,
)

# The doc shows "attended"; the others are the sandbox's (INFERRED, recorded in the spec).
REGISTRATION_STATUSES = ("registered", "attended", "absent", "cancelled")
TIMESLOT_FIELDS = ("description", "location", "instructor", "display_timezone")


def iso(moment: datetime) -> str:
    """A time as the doc's JSON samples show it: ``2020-03-21T12:02:11.000Z``."""
    # Not strftime: its %Y writes year 200 as "200", which no ISO reader takes back.
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}.000Z"


def parse_time(value: Any, name: str) -> datetime:
    """An ISO 8601 date or time from a parameter (UTC unless it says otherwise); 400 if it is not one."""
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        message = f"{name} must be an ISO 8601 date or time, e.g. 2020-01-01T09:00:00Z"
        raise InvalidInput(message, field=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: Any, name: str) -> date:
    """``value`` as the spec's ``format: date`` (YYYY-MM-DD exactly: not blank, padded or 20200101)."""
    try:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date, e.g. 2020-01-01", field=name) from None


# trainings


def find_training(data: VendorData, training_id: Any) -> Record:
    return find_record(data, TRAININGS, training_id, "instructor_led_training_id", "instructor-led training")


def create_training(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """A training (the scenario's and the factory's: the API has no call that makes one)."""
    name = str(fields.get("name") or "").strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    description = fields.get("description")
    training: Record = {
        "id": str(new_id(data)),
        "name": name,
        "description": None if description is None else str(description),
        "created_at": iso(now(data)),
    }
    return data.insert(TRAININGS, training)


def training_answer(data: VendorData, training: Record) -> Record:
    """A training as the API answers it, with its timeslots' ids."""
    made = public(training)
    slots = data.find(TIMESLOTS, "instructor_led_training_id", training["id"])
    made["timeslot_ids"] = sorted(int(slot["id"]) for slot in slots)
    return made


def list_trainings(data: VendorData) -> list[Record]:
    return list(data.collection(TRAININGS).values())


# timeslots


def find_timeslot(data: VendorData, timeslot_id: Any) -> Record:
    name = "instructor_led_training_timeslot_id"
    return find_record(data, TIMESLOTS, timeslot_id, name, "instructor-led training timeslot")


def _capacity(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("capacity must be a whole number, 0 or more", field="capacity")
    return value


def _slot_changes(fields: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {
        name: None if fields[name] is None else str(fields[name])
        for name in TIMESLOT_FIELDS
        if name in fields
    }
    if "capacity" in fields:
        changes["capacity"] = _capacity(fields["capacity"])
    for name in ("start_date", "end_date"):
        if name in fields:
            changes[name] = None if fields[name] is None else iso(parse_time(fields[name], name))
    return changes


def _check_span(slot: Mapping[str, Any]) -> None:
    if slot.get("start_date") and slot.get("end_date") and slot["end_date"] < slot["start_date"]:
        raise InvalidInput("end_date must not be before start_date", field="end_date")


def create_timeslot(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """create_instructor_led_training_timeslot: a timeslot of a training (UTC unless told otherwise)."""
    training = find_training(data, fields.get("instructor_led_training_id"))
    slot: Record = {
        "id": str(new_id(data)),
        "instructor_led_training_id": training["id"],
        "description": None,
        "location": None,
        "instructor": None,
        "display_timezone": "UTC",
        "capacity": None,
        "start_date": None,
        "end_date": None,
        "created_at": iso(now(data)),
    }
    slot.update(_slot_changes(fields))
    slot["display_timezone"] = slot["display_timezone"] or "UTC"
    _check_span(slot)
    return data.insert(TIMESLOTS, slot)


def update_timeslot(data: VendorData, slot: Record, fields: Mapping[str, Any]) -> Record:
    """update_instructor_led_training_timeslot: only the parameters given change."""
    changes = _slot_changes(fields)
    if "display_timezone" in changes:
        changes["display_timezone"] = changes["display_timezone"] or "UTC"
    _check_span(changes)
    # The request itself is sound, but clashes with what the timeslot already holds: a conflict.
    try:
        _check_span({**slot, **changes})
    except InvalidInput as clash:
        raise Conflict(f"{clash.message} (the timeslot's other date is kept)", field=clash.field) from None
    taken = len(data.find(REGISTRATIONS, "timeslot_id", slot["id"]))
    if changes.get("capacity") is not None and changes["capacity"] < taken:
        raise Conflict(f"capacity must be at least the {taken} registrations it holds", field="capacity")
    return data.update(TIMESLOTS, slot["id"], changes)


def delete_timeslot(data: VendorData, slot: Record) -> None:
    """delete_instructor_led_training_timeslot: the timeslot and its registrations go."""
    drop_links(data, REGISTRATIONS, "timeslot_id", slot["id"])
    data.delete(TIMESLOTS, slot["id"])


def timeslot_answer(data: VendorData, slot: Record) -> Record:
    made = public(slot)
    made["instructor_led_training_id"] = int(slot["instructor_led_training_id"])
    made["registration_count"] = len(data.find(REGISTRATIONS, "timeslot_id", slot["id"]))
    return made


def list_timeslots(data: VendorData, fields: Mapping[str, Any]) -> list[Record]:
    """get_instructor_led_training_timeslots: those starting from ``start_date`` to ``end_date`` (inclusive),
    of one training if ``instructor_led_training_id`` is given; timeslots without a start match no dates."""
    slots = list(data.collection(TIMESLOTS).values())
    if fields.get("instructor_led_training_id") is not None:
        training = find_training(data, fields["instructor_led_training_id"])
        slots = [s for s in slots if s["instructor_led_training_id"] == training["id"]]
    start = parse_date(fields["start_date"], "start_date") if fields.get("start_date") is not None else None
    end = parse_date(fields["end_date"], "end_date") if fields.get("end_date") is not None else None
    if start is not None or end is not None:
        slots = [s for s in slots if s["start_date"] and _within(s["start_date"], start, end)]
    return slots


def _within(moment: str, start: date | None, end: date | None) -> bool:
    day = date.fromisoformat(moment[:10])
    return (start is None or start <= day) and (end is None or day <= end)


# registrations


def find_registration(data: VendorData, registration_id: Any) -> Record:
    name = "instructor_led_training_timeslot_registration_id"
    return find_record(data, REGISTRATIONS, registration_id, name, "timeslot registration")


def _status(value: Any, default: str | None = None) -> str:
    status = str(value).strip() if value is not None else default
    if status not in REGISTRATION_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(REGISTRATION_STATUSES)}", field="status")
    return status


def register(data: VendorData, slot: Record, user: Record, fields: Mapping[str, Any]) -> Record:
    """create_instructor_led_training_timeslot_registrations: the user registered in the timeslot, once,
    while it has room."""
    taken = data.find(REGISTRATIONS, "timeslot_id", slot["id"])
    # 409 for both refusals: the request is valid, the timeslot's state refuses it.
    if any(r["user_id"] == user["id"] for r in taken):
        raise Conflict(f"User {user['id']} is already registered in timeslot {slot['id']}", field="user_id")
    if slot["capacity"] is not None and len(taken) >= slot["capacity"]:
        raise Conflict(
            f"Timeslot {slot['id']} is full ({slot['capacity']} places)",
            field="instructor_led_training_timeslot_id",
        )
    course_id = fields.get("course_id")
    if course_id is not None:
        require_existing(data, COURSES, [int(course_id)], "course_id")
        course_id = str(course_id)
    progress_id = fields.get("course_progress_id")
    if progress_id is not None:
        progress = data.collection(PROGRESSES).get(str(progress_id))
        if progress is None:
            raise NotFound(
                f"No course progress with course_progress_id {progress_id}", field="course_progress_id"
            )
        if progress["user_id"] != user["id"] or course_id not in (None, progress["course_id"]):
            message = "course_progress_id is not the progress of this user (in this course)"
            raise InvalidInput(message, field="course_progress_id")
        course_id = progress["course_id"]
    registration: Record = {
        "id": str(new_id(data)),
        "timeslot_id": slot["id"],
        "user_id": user["id"],
        "course_id": course_id,
        "course_progress_id": None if progress_id is None else str(progress_id),
        "status": _status(fields.get("status"), "registered"),
        "created_at": iso(now(data)),
    }
    return data.insert(REGISTRATIONS, registration)


def update_registration(data: VendorData, registration: Record, fields: Mapping[str, Any]) -> Record:
    """update_instructor_led_training_timeslot_registration: its status."""
    return data.update(REGISTRATIONS, registration["id"], {"status": _status(fields.get("status"))})


def unregister(data: VendorData, ids: Any) -> None:
    """destroy_instructor_led_training_timeslot_registrations: every one listed, or none if one is unknown."""
    name = "instructor_led_training_timeslot_registration_ids"
    wanted = id_list(ids if ids is not None else "", name)
    require_existing(data, REGISTRATIONS, wanted, name)
    for rid in wanted:
        data.delete(REGISTRATIONS, str(rid))


def registrations_of(data: VendorData, slot: Record) -> list[Record]:
    return sorted(data.find(REGISTRATIONS, "timeslot_id", slot["id"]), key=lambda r: int(r["id"]))


def registration_answer(data: VendorData, registration: Record) -> Record:
    """A registration as the API answers it; a course or progress since deleted reads as none."""
    made = public(registration)
    del made["timeslot_id"]
    made["instructor_led_training_timeslot_id"] = int(registration["timeslot_id"])
    made["user_id"] = int(registration["user_id"])
    course = registration["course_id"]
    made["course_id"] = int(course) if course is not None and course in data.collection(COURSES) else None
    progress = registration["course_progress_id"]
    kept = progress is not None and progress in data.collection(PROGRESSES)
    made["course_progress_id"] = int(progress) if kept else None
    return made
