"""Absorb's courses as plain functions over the store: a course with its chapters, lessons and sessions.

A course is stored as ``GET /courses/{id}`` answers it: its chapters, its lessons (each naming its
chapter) and, for an instructor-led course, its sessions, all inline. Nothing here knows HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ...errors import NotFound
from ...store import Record, VendorData
from .model import guid, now, one_of

COURSES = "courses"
ONLINE = "OnlineCourse"
INSTRUCTOR_LED = "InstructorLedCourse"
COURSE_TYPES = (ONLINE, INSTRUCTOR_LED)
LESSON_TYPES = ("ObjectLesson", "VideoLesson", "AssessmentLesson", "AssignmentLesson")

COURSE_SORT = ("id", "name", "courseType", "externalId", "activeStatus", "dateAdded", "dateEdited")
COURSE_FILTER = (*COURSE_SORT, "description")


def create_course(
    data: VendorData,
    name: str,
    *,
    chapters: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
    sessions: Sequence[tuple[str, str]] = (),
    course_type: str = ONLINE,
    description: str | None = None,
    external_id: str | None = None,
    added: str | None = None,
    ids: Iterable[str | None] = (),
) -> Record:
    """A course; ``chapters`` are ``(name, [(lesson name, lesson type)])``, ``sessions`` ``(name, start)``.

    ``ids`` fixes the ids of the course, then of its chapters and lessons (in order, each chapter before
    its lessons), then of its sessions; the rest are drawn from the seeded generator.
    """
    fixed = iter(ids)

    def next_id() -> str:
        return next(fixed, None) or guid(data)

    stamp_ = added or now(data)
    course_id = next_id()
    made_chapters: list[Record] = []
    lessons: list[Record] = []
    for chapter_name, chapter_lessons in chapters:
        chapter = {"id": next_id(), "name": chapter_name}
        made_chapters.append(chapter)
        for lesson_name, lesson_type in chapter_lessons:
            lessons.append(
                {"id": next_id(), "name": lesson_name, "chapterId": chapter["id"], "type": lesson_type}
            )
    record: Record = {
        "id": course_id,
        "name": name,
        "description": description,
        "courseType": course_type,
        "activeStatus": 0,
        "externalId": external_id,
        "dateAdded": stamp_,
        "dateEdited": stamp_,
        "chapters": made_chapters,
        "lessons": lessons,
        "sessions": [{"id": next_id(), "name": n, "dateStart": start} for n, start in sessions],
    }
    return data.insert(COURSES, record)


def get_course(data: VendorData, course_id: str) -> Record:
    found = data.collection(COURSES).get(course_id.lower())
    if found is None:
        raise NotFound("Course not found.", field="courseId")
    return found


def lesson_of(course: Record, lesson_id: str) -> Record:
    """The lesson ``lesson_id`` of ``course``; 404 when the course has no such lesson."""
    return dict(one_of(course["lessons"], "id", lesson_id, "Lesson not found.", "lessonId"))
