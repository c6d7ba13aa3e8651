"""Absorb under concurrent writers: users created and updated, enrolled in courses, lessons finished,
enrollments removed (Absorb's API deletes no user; un-enrolling is its delete).

The derived view is a course enrollment's progress (``GET /enrollments/{id}``): the share of its
lesson enrollments complete in the export, and of the lessons the run's clients had finished.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .stress import CONTRIBUTE, DELETE, UPDATE, Client, Ledger, Rejected, StressProfile, ViewCheck

USERS = "users"
ENROLLMENTS = "enrollments"
ATTEMPTS = "attempts"
LESSON_ENROLLMENTS = "lessonEnrollments"
COMPLETE = 3
PAGE = 1000  # the largest _limit Absorb takes


@dataclass
class _Enrolled:
    """A user's enrollment made by the run, and the lessons still to finish."""

    enrollment: str
    course: str
    lessons: list[str]
    total: int
    attempts: list[str] = field(default_factory=list)


def _progress(done: int, total: int) -> float:
    return round(100.0 * done / total, 2) if total else 0.0


class AbsorbStress(StressProfile):
    """Users (create, update), course enrollments (enroll, finish lessons, un-enroll)."""

    api = "absorb"
    does = frozenset({UPDATE, CONTRIBUTE, DELETE})
    lists = (USERS, ENROLLMENTS)

    def __init__(self) -> None:
        self.department = ""
        # Courses with lessons: id -> lesson ids.
        self.courses: dict[str, list[str]] = {}
        self.enrolled: dict[str, _Enrolled] = {}

    async def prepare(self, client: Client, state: Mapping[str, Any]) -> None:
        departments = await client.call(
            "GET", "/departments", params={"_limit": 1}, expect=200, what="listDepartments"
        )
        self.department = str(departments["departments"][0]["id"])
        courses = await client.call(
            "GET", "/courses", params={"_limit": PAGE}, expect=200, what="listCourses"
        )
        self.courses = {
            str(c["id"]): [str(lesson["id"]) for lesson in c["lessons"]]
            for c in courses["courses"]
            if c.get("lessons")
        }
        if not self.courses:
            raise Rejected("listCourses: no course with lessons to enroll in")

    async def create(self, client: Client, tag: str) -> str:
        sent = {
            "departmentId": self.department,
            "firstName": "Stress",
            "lastName": tag,
            "username": tag,
            "jobTitle": "Starter",
        }
        made = await client.call("POST", "/users", json=sent, expect=201, what="createUser")
        uid = str(made["id"])
        client.ledger.created(
            USERS, uid, {k: sent[k] for k in ("username", "jobTitle")}, unique=("username", tag)
        )
        return uid

    async def update(self, client: Client, handle: Any, tag: str) -> None:
        sent = {"jobTitle": f"Title {tag}"}
        await self.updated(client, USERS, handle, "PUT", f"/users/{handle}", sent, "updateUser")

    async def contribute(self, client: Client, handle: Any, tag: str) -> None:
        """Enroll the user in a course, or finish the next lesson of the enrollment it has."""
        enrolled = self.enrolled.get(handle)
        if enrolled is None:
            course = client.random.choice(sorted(self.courses))
            made = await client.call(
                "POST", f"/users/{handle}/enrollments/{course}", expect=201, what="enrollUserInCourse"
            )
            eid = str(made["id"])
            client.ledger.created(ENROLLMENTS, eid, {"userId": handle, "courseId": course, "progress": 0.0})
            lessons = list(self.courses[course])
            self.enrolled[handle] = _Enrolled(eid, course, lessons, len(lessons))
            return
        if not enrolled.lessons:
            return  # every lesson finished: nothing more to add to this view
        lesson = enrolled.lessons.pop()
        base = f"/users/{handle}/enrollments/{enrolled.course}/lessons/{lesson}/attempts"
        started = await client.call("POST", base, expect=201, what="startAttempt")
        aid = str(started["attemptId"])
        await client.call(
            "PUT",
            f"/attempts/{aid}",
            json={"status": COMPLETE, "score": 80},
            expect=200,
            what="finishAttempt",
        )
        client.ledger.created(ATTEMPTS, aid, {"lessonId": lesson, "status": COMPLETE})
        enrolled.attempts.append(aid)
        done = enrolled.total - len(enrolled.lessons)
        client.ledger.updated(ENROLLMENTS, enrolled.enrollment, {"progress": _progress(done, enrolled.total)})

    async def delete(self, client: Client, handle: Any) -> bool:
        """Un-enroll the user's enrollment, if it has one; the user stays (the API deletes none)."""
        enrolled = self.enrolled.pop(handle, None)
        if enrolled is not None:
            await client.call(
                "POST", "/enrollments/unenroll", json=[enrolled.enrollment], expect=204, what="unenroll"
            )
            client.ledger.deleted(ENROLLMENTS, enrolled.enrollment)
            for aid in enrolled.attempts:
                client.ledger.deleted(ATTEMPTS, aid)
        return False

    async def _all(self, client: Client, path: str, key: str, what: str) -> list[str]:
        ids: list[str] = []
        page = 0
        while True:
            answer = await client.call(
                "GET", path, params={"_limit": PAGE, "_offset": page}, expect=200, what=what
            )
            ids += [str(item["id"]) for item in answer[key]]
            if len(ids) >= answer["totalItems"] or not answer[key]:
                if len(ids) != answer["totalItems"]:
                    raise Rejected(f"{what}: {len(ids)} listed, totalItems {answer['totalItems']}")
                return ids
            page += 1

    async def listed(self, client: Client) -> dict[str, list[str]]:
        users = await self._all(client, "/users", "users", "listUsers")
        enrollments: list[str] = []
        for course in sorted(self.courses):
            enrollments += await self._all(
                client, f"/courses/{course}/enrollments", "enrollments", "listCourseEnrollments"
            )
        return {USERS: users, ENROLLMENTS: enrollments}

    def listable(self, collection: str, record: Mapping[str, Any]) -> bool:
        return collection != ENROLLMENTS or record.get("courseId") in self.courses

    def views(self, state: Mapping[str, Any], ledger: Ledger) -> Iterable[ViewCheck]:
        lessons: dict[str, list[int]] = defaultdict(list)
        for lesson in state["collections"].get(LESSON_ENROLLMENTS, {}).values():
            lessons[lesson["courseEnrollmentId"]].append(int(lesson["status"]))
        for written in ledger.of(ENROLLMENTS):
            statuses = lessons[written.key]
            exported = _progress(sum(s == COMPLETE for s in statuses), len(statuses))
            yield _progress_check(written.key, exported, written.fields["progress"])


def _progress_check(eid: str, exported: float, acknowledged: float) -> ViewCheck:
    async def check(client: Client) -> str | None:
        answer = await client.call("GET", f"/enrollments/{eid}", expect=200, what="getEnrollment")
        served = float(answer["progress"])
        if not served == exported == acknowledged:
            return (
                f"enrollment {eid}'s progress is {served}; its lesson enrollments in the export make "
                f"{exported}, the lessons acknowledged as finished {acknowledged}"
            )
        return None

    return check
