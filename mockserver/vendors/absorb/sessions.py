"""Absorb's ILC session enrollments as plain functions over the store.

An instructor-led course enrollment holds at most one session enrollment (the seed: "Multi-Session
ILCs are not supported"). ``enrollments.enroll_in_session`` decides when one is made, kept or
cancelled; this module stores and finds them.
"""

from __future__ import annotations

from ...store import Record, VendorData
from .courses import INSTRUCTOR_LED
from .errors import Unprocessable
from .model import guid, now, one_of

SESSION_ENROLLMENTS = "sessionEnrollments"
SESSION_SORT = (
    "id",
    "name",
    "fullName",
    "userId",
    "status",
    "progress",
    "score",
    "dateEnrolled",
    "dateEdited",
)
SESSION_FILTER = (*SESSION_SORT, "sessionId", "courseEnrollmentId", "dateStarted", "dateCompleted")


def declare(data: VendorData) -> None:
    data.index(SESSION_ENROLLMENTS, "courseEnrollmentId")
    data.index(SESSION_ENROLLMENTS, "sessionId")


def session_of(course: Record, session_id: str) -> Record:
    """Session ``session_id`` of the instructor-led ``course``: 422 for another course type, 404 if absent."""
    if course["courseType"] != INSTRUCTOR_LED:
        raise Unprocessable("The course is not an instructor-led course.", field="courseId")
    return dict(one_of(course["sessions"], "id", session_id, "Session not found.", "sessionId"))


def of_enrollment(data: VendorData, enrollment: Record) -> list[Record]:
    return data.find(SESSION_ENROLLMENTS, "courseEnrollmentId", enrollment["id"])


def of_session(data: VendorData, session: Record) -> list[Record]:
    return data.find(SESSION_ENROLLMENTS, "sessionId", session["id"])


def session_enrollment(data: VendorData, enrollment: Record, session_id: str) -> Record:
    found = of_enrollment(data, enrollment)
    return one_of(found, "sessionId", session_id, "Session enrollment not found.", "sessionId")


def create(data: VendorData, enrollment: Record, session: Record, *, record_id: str | None = None) -> Record:
    """A session enrollment, not started, of course enrollment ``enrollment`` in ``session``."""
    stamp_ = now(data)
    record: Record = {
        "id": record_id or guid(data),
        "sessionId": session["id"],
        "courseEnrollmentId": enrollment["id"],
        "name": session["name"],
        "userId": enrollment["userId"],
        "fullName": enrollment["fullName"],
        "status": 0,
        "progress": 0.0,
        "score": 0.0,
        "timeSpent": "00:00:00",
        "dateEnrolled": stamp_,
        "dateStarted": None,
        "dateCompleted": None,
        "dateEdited": stamp_,
    }
    return data.insert(SESSION_ENROLLMENTS, record)
