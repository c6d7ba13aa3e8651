"""Absorb's lesson enrollments and attempts as plain functions over the store.

A course enrollment has one lesson enrollment per lesson of the course, made with it. An attempt is
started on a lesson enrollment of the active course enrollment and finished with a status (1
InProgress, 3 Complete, 5 Failed) and a score; finishing sets the lesson's status, score, progress,
failures and time spent (the sum of its finished attempts' times), and ``enrollments.finish_attempt``
then rolls it up to the course enrollment. A lesson enrollment names its course enrollment
``courseEnrollmentId`` and its chapter enrollment ``chapterEnrollmentId`` (seed 004).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ...errors import NotFound
from ...store import Record, VendorData
from .errors import Unprocessable
from .model import guid, now, one_of, parse_date, ticks_between, time_spent

LESSON_ENROLLMENTS = "lessonEnrollments"
ATTEMPTS = "attempts"
IN_PROGRESS, COMPLETE, FAILED = 1, 3, 5
ATTEMPT_STATUSES = (IN_PROGRESS, COMPLETE, FAILED)
LESSON_SORT = (
    "id",
    "name",
    "userId",
    "fullName",
    "status",
    "progress",
    "score",
    "attempts",
    "failures",
    "dateAdded",
    "dateEnrolled",
    "dateEdited",
)
LESSON_FILTER = (
    *LESSON_SORT,
    "courseEnrollmentId",
    "chapterEnrollmentId",
    "type",
    "courseId",
    "chapterId",
    "lessonId",
    "dateStarted",
    "dateCompleted",
)


def declare(data: VendorData) -> None:
    data.index(LESSON_ENROLLMENTS, "courseEnrollmentId")
    data.index(LESSON_ENROLLMENTS, "lessonId")
    data.index(ATTEMPTS, "lessonEnrollmentId")


def chapter_enrollment_id(enrollment_id: str, chapter_id: str) -> str:
    """A chapter enrollment's id: derived from its course enrollment's and its chapter's (never stored)."""
    return str(uuid.uuid5(uuid.UUID(enrollment_id), chapter_id))


def create_for(
    data: VendorData, enrollment: Record, course: Record, ids: Mapping[str, str] | None = None
) -> None:
    """One lesson enrollment, not started, per lesson of ``course`` for ``enrollment``.

    ``ids`` fixes a lesson enrollment's id by its lesson's id; the others are drawn.
    """
    for lesson in course["lessons"]:
        record: Record = {
            "id": (ids or {}).get(lesson["id"]) or guid(data),
            "chapterEnrollmentId": chapter_enrollment_id(enrollment["id"], lesson["chapterId"]),
            "type": lesson["type"],
            "courseEnrollmentId": enrollment["id"],
            "courseId": course["id"],
            "chapterId": lesson["chapterId"],
            "lessonId": lesson["id"],
            "name": lesson["name"],
            "userId": enrollment["userId"],
            "fullName": enrollment["fullName"],
            "status": 0,
            "progress": 0.0,
            "score": None,
            "attempts": 0,
            "failures": 0,
            "timeSpent": time_spent(0),
            "dateAdded": enrollment["dateAdded"],
            "dateEnrolled": enrollment["dateAdded"],
            "dateEdited": enrollment["dateAdded"],
            "dateStarted": None,
            "dateCompleted": None,
            "lastAttempt": None,
        }
        data.insert(LESSON_ENROLLMENTS, record)


def of_lesson(data: VendorData, lesson_id: str) -> list[Record]:
    """Every lesson enrollment in lesson ``lesson_id``, history included."""
    return data.find(LESSON_ENROLLMENTS, "lessonId", lesson_id.lower())


def of_enrollment(data: VendorData, enrollment: Record) -> list[Record]:
    return data.find(LESSON_ENROLLMENTS, "courseEnrollmentId", enrollment["id"])


def lesson_enrollment(data: VendorData, enrollment: Record, lesson_id: str) -> Record:
    found = of_enrollment(data, enrollment)
    return one_of(found, "lessonId", lesson_id, "Lesson enrollment not found.", "lessonId")


def attempts_of(data: VendorData, lesson: Record) -> list[Record]:
    return data.find(ATTEMPTS, "lessonEnrollmentId", lesson["id"])


def start_attempt(data: VendorData, lesson: Record, *, record_id: str | None = None) -> Record:
    """A new attempt, in progress, on ``lesson``; the lesson (and its course enrollment) are started."""
    stamp_ = now(data)
    attempt: Record = {
        "id": record_id or guid(data),
        "lessonEnrollmentId": lesson["id"],
        "enrollmentId": lesson["courseEnrollmentId"],
        "courseId": lesson["courseId"],
        "lessonId": lesson["lessonId"],
        "userId": lesson["userId"],
        "status": IN_PROGRESS,
        "score": None,
        "timeSpentTicks": 0,
        "startDate": stamp_,
        "completionDate": None,
    }
    data.insert(ATTEMPTS, attempt)
    changes: dict[str, Any] = {
        "attempts": lesson["attempts"] + 1,
        "lastAttempt": stamp_,
        "dateEdited": stamp_,
    }
    if lesson["status"] == 0:
        changes.update(status=IN_PROGRESS, dateStarted=stamp_)
    data.update(LESSON_ENROLLMENTS, lesson["id"], changes)
    return attempt


def get_attempt(data: VendorData, attempt_id: str) -> Record:
    found = data.collection(ATTEMPTS).get(attempt_id.lower())
    if found is None:
        raise NotFound("Attempt not found.", field="attemptId")
    return found


def finish_attempt(data: VendorData, attempt: Record, body: Mapping[str, Any]) -> Record:
    """``attempt`` finished as ``body`` says; 422 when it is already finished. Progress follows.

    The attempt's time (start to completion, in ticks) is added to the lesson's ``timeSpent``.
    """
    if attempt["status"] != IN_PROGRESS:
        raise Unprocessable("The attempt is already finished.", field="attemptId")
    status = int(body["status"])
    stamp_ = now(data)
    changes: dict[str, Any] = {"status": status, "score": body.get("score", attempt["score"])}
    if "startDate" in body:
        changes["startDate"] = parse_date(body["startDate"], "startDate")
    if status != IN_PROGRESS:
        changes["completionDate"] = parse_date(body.get("completionDate"), "completionDate") or stamp_
        changes["timeSpentTicks"] = ticks_between(
            str(changes.get("startDate") or attempt["startDate"]), changes["completionDate"]
        )
    finished = data.update(ATTEMPTS, attempt["id"], changes)
    lesson = data.collection(LESSON_ENROLLMENTS)[attempt["lessonEnrollmentId"]]
    spent = sum(int(a["timeSpentTicks"]) for a in attempts_of(data, lesson))
    kept: dict[str, Any] = {
        "failures": lesson["failures"] + (status == FAILED),
        "timeSpent": time_spent(spent),
        "dateEdited": stamp_,
    }
    if lesson["status"] != COMPLETE:
        kept.update(
            status=status,
            score=finished["score"],
            progress=100.0 if status == COMPLETE else lesson["progress"],
            dateCompleted=finished["completionDate"] if status == COMPLETE else None,
        )
    data.update(LESSON_ENROLLMENTS, lesson["id"], kept)
    return finished
