"""SkyPrep's course progress as plain functions over the store: a user's progress in a course, and its
record of each course item.

Progress agrees with the enrollment graph: every user who reaches a course (directly, through a user
group or a learning path) has a progress in it. One is made, "not-started" (or with a direct enrollment's
status), the first time a progress call looks (``sync``), so reads and writes see the same ids. A progress
outlives an unenrollment, as a learner's record does; destroy_course_progress, destroy_course and
destroy_user remove it (a user who still reaches the course then reads as not started again).

Course items (content, exams, instructor-led trainings) come from the scenario and the factory: the doc
has no call that makes one. Times are ISO 8601 in UTC; the ``formatted_`` dates are "06-Nov 2020".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ...errors import InvalidInput, NotFound
from ...store import Record, VendorData
from .courses import find_course, reached_course_ids
from .model import (
    COURSE_ITEMS,
    COURSES,
    ENROLLMENTS,
    ITEM_PROGRESSES,
    PROGRESSES,
    USERS,
    drop_links,
    find_record,
    find_user,
    link_id,
    new_id,
    now,
)
from .trainings import iso

STATUSES = ("passed", "failed", "in-progress", "not-applicable", "not-started")
# get_course_progresses' user filter; the sandbox cannot disable a user, so "disabled" matches none.
USER_STATUSES = ("active", "inactive", "disabled")
ITEM_STATUSES = ("not-started", "in-progress", "complete", "passed", "failed")
ITEM_TYPES = ("content", "exam", "instructor_led_training")
DATES = ("commencement_date", "completion_date", "expiration_date", "access_date", "deadline_date")
FORMATTED = (*DATES, "real_end_date", "real_start_date", "computed_deadline_date")
# The account's domain (the sandbox's default acct_key): SkyPrep links certificates on it.
ACCOUNT_HOST = "sandbox.skyprepapp.com"


def _find(data: VendorData, collection: str, value: Any, name: str, what: str) -> Record:
    found = data.collection(collection).get(str(value))
    if found is None:
        raise NotFound(f"No {what} with {name} {value}", field=name)
    return found


def find_progress(data: VendorData, progress_id: Any) -> Record:
    return find_record(data, PROGRESSES, progress_id, "course_progress_id", "course progress")


def _new(data: VendorData, user_id: str, course_id: str) -> Record:
    direct = data.collection(ENROLLMENTS).get(link_id(user_id, course_id))
    status = str(direct["status"]).replace("_", "-") if direct is not None else "not-started"
    stamp = iso(now(data))
    progress: Record = {
        "id": str(new_id(data)),
        "user_id": user_id,
        "course_id": course_id,
        "status": status,
        "created_at": stamp,
        "updated_at": stamp,
        "skip_prerequisites": False,
        "last_course_item_id": None,
        "override_dates": False,
        "real_start_date": None,
        "real_end_date": None,
        **{name: None for name in DATES},
    }
    if status != "not-started":
        progress["commencement_date"] = stamp
    if status in ("passed", "failed"):
        progress["completion_date"] = stamp
    return data.insert(PROGRESSES, progress)


def progress_of(data: VendorData, user_id: str, course_id: str) -> Record | None:
    for progress in data.find(PROGRESSES, "user_id", user_id):
        if progress["course_id"] == course_id:
            return progress
    return None


def sync(data: VendorData) -> None:
    """Give every user who reaches a course and has no progress in it a new one."""
    for user_id in sorted(data.collection(USERS), key=int):
        for course_id in reached_course_ids(data, user_id):
            if progress_of(data, user_id, course_id) is None:
                _new(data, user_id, course_id)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _formatted(value: str | None) -> str:
    day = _day(value)
    return day.strftime("%d-%b %Y") if day else ""


def user_status(data: VendorData, user: Record) -> str:
    """ "inactive" outside the user's access dates (sandbox clock), else "active"."""
    today = now(data).date()
    start, end = _day(user.get("access_start_date")), _day(user.get("access_end_date"))
    if (start is not None and today < start) or (end is not None and end < today):
        return "inactive"
    return "active"


def _items(data: VendorData, course_id: str) -> list[Record]:
    return sorted(
        data.find(COURSE_ITEMS, "course_id", course_id), key=lambda i: (i["position"], int(i["id"]))
    )


def answer(data: VendorData, progress: Record) -> Record:
    """A progress as the API answers it: every field of the doc's sample, with its formatted dates."""
    user = data.collection(USERS)[progress["user_id"]]
    course = data.collection(COURSES)[progress["course_id"]]
    items = _items(data, course["id"])
    started = {
        r["course_item_id"]
        for r in data.find(ITEM_PROGRESSES, "course_progress_id", progress["id"])
        if r["status"] != "not-started"
    }
    viewed = len([i for i in items if i["id"] in started]) * 100 // len(items) if items else 0
    deadline = _day(progress["deadline_date"])
    expires = _day(progress["expiration_date"])
    today = now(data).date()
    pid = int(progress["id"])
    last = progress["last_course_item_id"]
    made: Record = {
        "id": pid,
        "status": progress["status"],
        "days_until_deadline": (deadline - today).days if deadline else None,
        "created_at": progress["created_at"],
        "updated_at": progress["updated_at"],
        "skip_prerequisites": progress["skip_prerequisites"],
        "course_id": int(course["id"]),
        "course_name": course["name"],
        "user_id": int(user["id"]),
        "user_email": user["email"],
        "commencement_date": progress["commencement_date"],
        "completion_date": progress["completion_date"],
        "last_course_item_id": int(last) if last is not None else None,
        "percent_viewed": viewed,
        "expiration_date": progress["expiration_date"],
        "expired": expires is not None and expires < today,
        "access_date": progress["access_date"],
        "deadline_date": progress["deadline_date"],
        "override_dates": progress["override_dates"],
        "real_end_date": progress["real_end_date"],
        "real_start_date": progress["real_start_date"],
        "certificate_view_link": (
            f"https://{ACCOUNT_HOST}/certificates/show?course_progress_id={pid}&f=pdf"
            if progress["status"] == "passed"
            else None
        ),
        "computed_deadline_date": progress["deadline_date"],
    }
    for name in FORMATTED:
        made[f"formatted_{name}"] = _formatted(made[name])
    return made


def _choices(value: Any, allowed: tuple[str, ...], name: str) -> set[str] | None:
    if value is None or str(value).strip() == "":
        return None
    chosen = {part.strip() for part in str(value).split(",") if part.strip()}
    unknown = sorted(chosen - set(allowed))
    if unknown or not chosen:
        raise InvalidInput(f"{name} takes {', '.join(allowed)} (comma-separated), not {unknown}", field=name)
    return chosen


def list_progresses(data: VendorData, fields: Mapping[str, Any]) -> list[Record]:
    """get_course_progresses: of a course, of a user, in the ``status`` and ``user_status`` given."""
    statuses = _choices(fields.get("status"), STATUSES, "status")
    user_statuses = _choices(fields.get("user_status"), USER_STATUSES, "user_status")
    sync(data)
    found = list(data.collection(PROGRESSES).values())
    if fields.get("course_id") is not None:
        course = find_course(data, fields["course_id"])
        found = [p for p in found if p["course_id"] == course["id"]]
    if fields.get("user_id") is not None or fields.get("user_email"):
        user = find_user(data, fields.get("user_id"), fields.get("user_email"))
        found = [p for p in found if p["user_id"] == user["id"]]
    if statuses is not None:
        found = [p for p in found if p["status"] in statuses]
    if user_statuses is not None:
        users = data.collection(USERS)
        found = [p for p in found if user_status(data, users[p["user_id"]]) in user_statuses]
    return sorted(found, key=lambda p: int(p["id"]))


def set_status(data: VendorData, progress: Record, status: Any) -> Record:
    """update_course_progress: the status, with the dates it implies (started, completed)."""
    if status not in STATUSES:
        raise InvalidInput(f"set_status must be one of {', '.join(STATUSES)}", field="set_status")
    stamp = iso(now(data))
    changes: dict[str, Any] = {"status": status, "updated_at": stamp}
    if status == "not-started":
        changes.update(commencement_date=None, completion_date=None)
    else:
        changes["commencement_date"] = progress["commencement_date"] or stamp
        changes["completion_date"] = stamp if status in ("passed", "failed") else None
    return data.update(PROGRESSES, progress["id"], changes)


def destroy(data: VendorData, progress: Record) -> None:
    """destroy_course_progress: the progress and its item records go; a direct enrollment starts over."""
    drop_links(data, ITEM_PROGRESSES, "course_progress_id", progress["id"])
    direct = link_id(progress["user_id"], progress["course_id"])
    if direct in data.collection(ENROLLMENTS):
        data.update(ENROLLMENTS, direct, {"status": "not_started"})
    data.delete(PROGRESSES, progress["id"])


# course items


def create_item(data: VendorData, course: Record, fields: Mapping[str, Any]) -> Record:
    """A course item (the scenario's and the factory's), last in its course; an exam has an exam id."""
    kind = str(fields.get("item_type") or "content")
    if kind not in ITEM_TYPES:
        raise InvalidInput(f"item_type must be one of {', '.join(ITEM_TYPES)}", field="item_type")
    exam_id = fields.get("exam_id")
    if kind == "exam" and exam_id is None:
        exam_id = new_id(data)
    item: Record = {
        "id": str(new_id(data)),
        "course_id": course["id"],
        "name": str(fields.get("name") or f"Item {len(_items(data, course['id'])) + 1}"),
        "item_type": kind,
        "exam_id": None if exam_id is None else int(exam_id),
        "position": len(_items(data, course["id"])),
    }
    return data.insert(COURSE_ITEMS, item)


def locate(data: VendorData, fields: Mapping[str, Any]) -> tuple[Record, Record]:
    """The (progress, item) the doc's combination of ids names.

    The item: ``course_item_id``, or the first item with ``exam_id`` in the course (from ``course_id`` or
    the progress). The progress: ``course_progress_id``, or the user's (``user_id``/``user_email``) in the
    item's course. Ids that disagree with each other get 400; ids that name nothing 404.
    """
    progress = find_progress(data, fields["course_progress_id"]) if fields.get("course_progress_id") else None
    course_id = fields.get("course_id")
    if course_id is not None:
        course_id = find_course(data, course_id)["id"]
        if progress is not None and progress["course_id"] != course_id:
            raise InvalidInput("course_id is not the course of course_progress_id", field="course_id")
    if fields.get("course_item_id") is not None:
        item = _find(data, COURSE_ITEMS, fields["course_item_id"], "course_item_id", "course item")
    elif fields.get("exam_id") is not None:
        course_id = course_id or (progress["course_id"] if progress else None)
        if course_id is None:
            raise InvalidInput("With exam_id, send course_id or course_progress_id", field="exam_id")
        exams = [i for i in _items(data, course_id) if i["exam_id"] == fields["exam_id"]]
        if not exams:
            raise NotFound(f"No course item with exam_id {fields['exam_id']} in the course", field="exam_id")
        item = exams[0]
    else:
        raise InvalidInput("Send course_item_id, or exam_id with the course", field="course_item_id")
    if course_id is not None and item["course_id"] != course_id:
        raise InvalidInput("course_item_id is not an item of the course", field="course_item_id")
    user = None
    if fields.get("user_id") is not None or fields.get("user_email"):
        user = find_user(data, fields.get("user_id"), fields.get("user_email"))
    if progress is None:
        if user is None:
            raise InvalidInput("Send course_progress_id, or user_id or user_email", field="user_id")
        sync(data)
        progress = progress_of(data, user["id"], item["course_id"])
        if progress is None:
            raise NotFound(
                f"User {user['id']} has no progress in course {item['course_id']}", field="user_id"
            )
    elif user is not None and user["id"] != progress["user_id"]:
        raise InvalidInput("user_id is not the user of course_progress_id", field="user_id")
    if progress["course_id"] != item["course_id"]:
        raise InvalidInput("course_item_id is not an item of the progress's course", field="course_item_id")
    return progress, item


def item_answer(data: VendorData, progress: Record, item: Record) -> Record:
    """A progress's record of an item: "not-started" until set."""
    found = data.collection(ITEM_PROGRESSES).get(link_id(progress["id"], item["id"]))
    return {
        "course_progress_id": int(progress["id"]),
        "course_item_id": int(item["id"]),
        "course_id": int(item["course_id"]),
        "user_id": int(progress["user_id"]),
        "item_type": item["item_type"],
        "exam_id": item["exam_id"],
        "status": found["status"] if found else "not-started",
        "score": found["score"] if found else None,
        "updated_at": found["updated_at"] if found else None,
    }


def set_item(data: VendorData, progress: Record, item: Record, fields: Mapping[str, Any]) -> None:
    """set_course_item_progress: the item's status (and score); the course is then in progress if it was
    not started, and the item is its last."""
    status = fields.get("set_status")
    if status not in ITEM_STATUSES:
        raise InvalidInput(f"set_status must be one of {', '.join(ITEM_STATUSES)}", field="set_status")
    score = fields.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100):
        raise InvalidInput("score must be a whole number from 0 to 100", field="score")
    stamp = iso(now(data))
    key = link_id(progress["id"], item["id"])
    record: Record = {
        "id": key,
        "course_progress_id": progress["id"],
        "course_item_id": item["id"],
        "status": status,
        "score": score,
        "updated_at": stamp,
    }
    if key in data.collection(ITEM_PROGRESSES):
        data.update(ITEM_PROGRESSES, key, record)
    else:
        data.insert(ITEM_PROGRESSES, record)
    changes: dict[str, Any] = {"last_course_item_id": item["id"], "updated_at": stamp}
    if progress["status"] == "not-started" and status != "not-started":
        changes.update(status="in-progress", commencement_date=progress["commencement_date"] or stamp)
    data.update(PROGRESSES, progress["id"], changes)


def backdate(data: VendorData, progress: Record, moment: datetime) -> Record:
    """The progress's times moved to ``moment`` (the scenario's dates are before its anchor)."""
    stamp = iso(moment)
    changes = {"created_at": stamp, "updated_at": stamp}
    for name in ("commencement_date", "completion_date"):
        if progress[name] is not None:
            changes[name] = stamp
    return data.update(PROGRESSES, progress["id"], changes)
