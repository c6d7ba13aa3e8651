"""Absorb's chapter enrollments: read from a course enrollment's lesson enrollments, never stored.

A chapter enrollment sums up the lesson enrollments of one chapter: NotStarted (0) until one of them
starts, Complete (3) once all are, InProgress (1) between; its progress is the share of its lessons
complete, its score their mean score. Its id is derived from the course enrollment's and the
chapter's (a name-based GUID), so it is the same on every read.
"""

from __future__ import annotations

from ...store import Record, VendorData
from . import lessons
from .model import one_of


def _summary(enrollment: Record, chapter: Record, found: list[Record]) -> Record:
    done = [lesson for lesson in found if lesson["status"] == lessons.COMPLETE]
    started = [lesson["dateStarted"] for lesson in found if lesson["dateStarted"]]
    scores = [float(lesson["score"]) for lesson in done if lesson["score"] is not None]
    complete = bool(found) and len(done) == len(found)
    status = 3 if complete else 1 if started or done else 0
    return {
        "id": lessons.chapter_enrollment_id(enrollment["id"], chapter["id"]),
        "courseEnrollmentId": enrollment["id"],
        "chapterId": chapter["id"],
        "sessionId": None,
        "lessonId": None,
        "name": chapter["name"],
        "userId": enrollment["userId"],
        "fullName": enrollment["fullName"],
        "status": status,
        "progress": round(100.0 * len(done) / len(found), 2) if found else 0.0,
        "score": round(sum(scores) / len(scores), 2) if scores else 0.0,
        "timeSpent": "00:00:00",
        "dateEnrolled": enrollment["dateAdded"],
        "dateStarted": min(started) if started else None,
        "dateCompleted": max(str(lesson["dateCompleted"]) for lesson in done) if complete else None,
        "lessonEnrollmentIds": [lesson["id"] for lesson in found],
    }


def of_enrollment(data: VendorData, enrollment: Record, course: Record) -> list[Record]:
    """The chapter enrollments of ``enrollment``, in the course's chapter order."""
    found = lessons.of_enrollment(data, enrollment)
    return [
        _summary(enrollment, chapter, [lesson for lesson in found if lesson["chapterId"] == chapter["id"]])
        for chapter in course["chapters"]
    ]


def chapter_enrollment(data: VendorData, enrollment: Record, course: Record, chapter_id: str) -> Record:
    found = of_enrollment(data, enrollment, course)
    return one_of(found, "chapterId", chapter_id, "Chapter enrollment not found.", "chapterId")
