"""Absorb's course enrollments as plain functions over the store: enroll, re-enroll, un-enroll, find.

An enrollment is stored as ``GET /enrollments/{id}`` answers it. A user has at most one active
enrollment per course; re-enrolling makes the previous one history (``isActive: false``) and adds a
new active one, so the history stays readable by id and in the lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Any

from ...errors import NotFound
from ...store import Record, VendorData
from . import lessons, sessions
from .courses import get_course
from .errors import Unprocessable
from .model import checked_guid, get_user, guid, now, parse_date, time_spent

ENROLLMENTS = "enrollments"


class Status(IntEnum):
    """Absorb's enrollment status enum (seed 004)."""

    NOT_STARTED = 0
    IN_PROGRESS = 1
    PENDING_APPROVAL = 2
    COMPLETE = 3
    NOT_COMPLETE = 4
    FAILED = 5
    DECLINED = 6
    PENDING_EVALUATION_REQUIRED = 7
    ON_WAITLIST = 8
    ABSENT = 9
    NOT_APPLICABLE = 10
    PENDING_PROCTOR = 11
    READY_FOR_REVIEW = 12


ENROLLMENT_SORT = (
    "id",
    "courseId",
    "courseName",
    "userId",
    "fullName",
    "status",
    "progress",
    "score",
    "isActive",
    "dateAdded",
    "dateEdited",
    "dateStarted",
    "dateCompleted",
    "dateDue",
    "accessDate",
    "timeSpentTicks",
)
ENROLLMENT_FILTER = (*ENROLLMENT_SORT, "jobTitle", "courseVersionId", "courseCollectionId")


def declare(data: VendorData) -> None:
    """The lookups enrollments need: by user and by course."""
    data.index(ENROLLMENTS, "userId")
    data.index(ENROLLMENTS, "courseId")
    lessons.declare(data)
    sessions.declare(data)


def get_enrollment(data: VendorData, enrollment_id: str) -> Record:
    found = data.collection(ENROLLMENTS).get(enrollment_id.lower())
    if found is None:
        raise NotFound("Enrollment not found.", field="id")
    return found


def of_user(data: VendorData, user_id: str) -> list[Record]:
    """Every enrollment of user ``user_id`` (404 for an unknown user), history included."""
    user = get_user(data, user_id.lower())
    return data.find(ENROLLMENTS, "userId", user["id"])


def of_course(data: VendorData, course_id: str) -> list[Record]:
    """Every enrollment in course ``course_id`` (404 for an unknown course), history included."""
    course = get_course(data, course_id)
    return data.find(ENROLLMENTS, "courseId", course["id"])


def active(data: VendorData, user_id: str, course_id: str) -> Record:
    """The user's active enrollment in the course; 404 "Enrollment not found." when there is none."""
    course = get_course(data, course_id)
    for enrollment in of_user(data, user_id):
        if enrollment["courseId"] == course["id"] and enrollment["isActive"]:
            return enrollment
    raise NotFound("Enrollment not found.", field="courseId")


def enroll(
    data: VendorData,
    user_id: str,
    course_id: str,
    *,
    re_enroll: bool = False,
    added: str | None = None,
    record_id: str | None = None,
    lesson_ids: Mapping[str, str] | None = None,
) -> tuple[Record, bool]:
    """The user's active enrollment in the course and whether it is new.

    An existing active enrollment is kept unless ``re_enroll``: then it becomes history and a new
    active enrollment starts. A seeded record may fix the new enrollment's id (``record_id``) and its
    lesson enrollments' (``lesson_ids``, by lesson id).
    """
    user = get_user(data, user_id.lower())
    course = get_course(data, course_id)
    try:
        current: Record | None = active(data, user["id"], course["id"])
    except NotFound:
        current = None
    if current is not None and not re_enroll:
        return current, False
    stamp_ = added or now(data)
    if current is not None:
        data.update(ENROLLMENTS, current["id"], {"isActive": False, "dateEdited": stamp_})
    record: Record = {
        "id": record_id or guid(data),
        "courseId": course["id"],
        "courseName": course["name"],
        "courseVersionId": None,
        "userId": user["id"],
        "fullName": f"{user['firstName']} {user['lastName']}",
        "jobTitle": user.get("jobTitle"),
        "status": int(Status.NOT_STARTED),
        "progress": 0.0,
        "score": 0.0,
        "isActive": True,
        "acceptedTermsAndConditions": False,
        "timeSpentTicks": 0,
        "timeSpent": time_spent(0),
        "dateAdded": stamp_,
        "dateEdited": stamp_,
        "dateStarted": None,
        "dateCompleted": None,
        "dateExpires": None,
        "dateDue": None,
        "credits": None,
        "certificateId": None,
        "enrollmentKeyId": None,
        "accessDate": None,
        "courseCollectionId": None,
        "avatar": None,
    }
    made = data.insert(ENROLLMENTS, record)
    lessons.create_for(data, made, course, lesson_ids or {})
    return made, True


def unenroll(data: VendorData, enrollment_ids: Sequence[str]) -> None:
    """Remove each enrollment named (all or none): 404 naming the first id not found."""
    wanted = [i.lower() for i in enrollment_ids]
    for position, rid in enumerate(wanted):
        if rid not in data.collection(ENROLLMENTS):
            raise NotFound("Enrollment not found.", field=f"[{position}]")
    for rid in dict.fromkeys(wanted):
        for lesson in lessons.of_enrollment(data, data.collection(ENROLLMENTS)[rid]):
            for attempt in lessons.attempts_of(data, lesson):
                data.delete(lessons.ATTEMPTS, attempt["id"])
            data.delete(lessons.LESSON_ENROLLMENTS, lesson["id"])
        for held in sessions.of_enrollment(data, data.collection(ENROLLMENTS)[rid]):
            data.delete(sessions.SESSION_ENROLLMENTS, held["id"])
        data.delete(ENROLLMENTS, rid)


def finish_attempt(data: VendorData, attempt: Record, body: Mapping[str, Any]) -> Record:
    """``attempt`` finished (see ``lessons.finish_attempt``), then its course enrollment rolled up.

    Progress is the share of the course's lessons complete, the score their mean score, the time spent
    the sum of its attempts' times, and the status Complete (3) once every lesson is complete, else
    InProgress (1).
    """
    finished = lessons.finish_attempt(data, attempt, body)
    stamp_ = now(data)
    enrollment = data.collection(ENROLLMENTS)[finished["enrollmentId"]]
    found = lessons.of_enrollment(data, enrollment)
    done = [lesson for lesson in found if lesson["status"] == lessons.COMPLETE]
    scores = [float(lesson["score"]) for lesson in done if lesson["score"] is not None]
    complete = bool(found) and len(done) == len(found)
    spent = sum(int(a["timeSpentTicks"]) for lesson in found for a in lessons.attempts_of(data, lesson))
    data.update(
        ENROLLMENTS,
        enrollment["id"],
        {
            "progress": round(100.0 * len(done) / len(found), 2) if found else 0.0,
            "score": round(sum(scores) / len(scores), 2) if scores else enrollment["score"],
            "status": int(Status.COMPLETE if complete else Status.IN_PROGRESS),
            "dateStarted": enrollment["dateStarted"] or stamp_,
            "dateCompleted": stamp_ if complete else None,
            "timeSpentTicks": spent,
            "timeSpent": time_spent(spent),
            "dateEdited": stamp_,
        },
    )
    return finished


def start_attempt(
    data: VendorData, user_id: str, course_id: str, lesson_id: str, *, record_id: str | None = None
) -> Record:
    """A new attempt on the lesson of the user's active enrollment; the course enrollment is started."""
    enrollment = active(data, user_id, course_id)
    attempt = lessons.start_attempt(
        data, lessons.lesson_enrollment(data, enrollment, lesson_id), record_id=record_id
    )
    changes: dict[str, Any] = {"dateEdited": attempt["startDate"]}
    if enrollment["status"] == Status.NOT_STARTED:
        changes.update(status=int(Status.IN_PROGRESS), dateStarted=attempt["startDate"])
    data.update(ENROLLMENTS, enrollment["id"], changes)
    return attempt


def enroll_in_session(
    data: VendorData,
    user_id: str,
    course_id: str,
    session_id: str,
    *,
    re_enroll: bool = False,
    cancel_session: bool = False,
    record_id: str | None = None,
) -> tuple[Record, Record, bool]:
    """The user's ILC enrollment, its session enrollment in ``session_id``, and whether that is new.

    Without an active enrollment in the course one is made; ``re_enroll`` makes a new one (the
    previous one, with its session enrollment, becomes history). An enrollment holds one session:
    a user already in another session of the course gets 422 unless ``cancel_session``, which
    cancels (removes) the session enrollment held and enrolls in ``session_id``. Checked before
    anything changes. A seeded record may fix the new session enrollment's id (``record_id``).
    """
    user = get_user(data, user_id.lower())
    course = get_course(data, course_id)
    session = sessions.session_of(course, session_id)
    try:
        current: Record | None = active(data, user["id"], course["id"])
    except NotFound:
        current = None
    held = sessions.of_enrollment(data, current) if current is not None and not re_enroll else []
    if held and not cancel_session:
        if held[0]["sessionId"] == session["id"]:
            assert current is not None
            return current, held[0], False
        raise Unprocessable(
            "The user is already in another session of this course: send cancelSession=true to move.",
            field="sessionId",
        )
    enrollment, _ = enroll(data, user["id"], course["id"], re_enroll=re_enroll)
    for cancelled in held:
        data.delete(sessions.SESSION_ENROLLMENTS, cancelled["id"])
    return enrollment, sessions.create(data, enrollment, session, record_id=record_id), True


# What "Create or update course enrollment" may set (the seed's list of settable properties).
SETTABLE = (
    "status",
    "dateCompleted",
    "dateExpires",
    "courseVersionId",
    "acceptedTermsAndConditions",
    "enrollmentKeyId",
    "credits",
    "score",
)
# The body's GUID fields (EnrollmentUpsert's `format: uuid`).
GUID_FIELDS = ("id", "courseId", "courseVersionId", "userId", "enrollmentKeyId", "certificateId")


def upsert(data: VendorData, user_id: str, body: Mapping[str, Any], *, re_enroll: bool = False) -> Record:
    """The user's active enrollment in ``body["courseId"]`` (made, or re-made with ``re_enroll``) with the
    settable properties of ``body`` applied; the rest of ``body`` is read-only and ignored.

    Dates are checked before anything changes. Status Complete (3) without a ``dateCompleted`` is
    completed now.
    """
    # ASP.NET binds the whole body before reading it: a GUID field that is no GUID is refused, read-only
    # or not.
    for name in GUID_FIELDS:
        if body.get(name) is not None:
            checked_guid(body[name], name)
    changes = {name: body[name] for name in SETTABLE if name in body}
    for name in ("dateCompleted", "dateExpires"):
        if name in changes:
            changes[name] = parse_date(changes[name], name)
    for name in ("courseVersionId", "enrollmentKeyId"):
        if changes.get(name) is not None:
            changes[name] = str(changes[name]).lower()
    enrollment, _ = enroll(data, user_id, str(body["courseId"]), re_enroll=re_enroll)
    if not changes:
        return enrollment
    stamp_ = now(data)
    if changes.get("status") == Status.COMPLETE and not changes.get("dateCompleted"):
        changes["dateCompleted"] = enrollment["dateCompleted"] or stamp_
    changes["dateEdited"] = stamp_
    return data.update(ENROLLMENTS, enrollment["id"], changes)
