"""Coursepath under concurrent writers: members created and updated, enrolled in courses and removed
(Coursepath's API deletes no member; removing a course member is its delete). Every call carries a
fresh single-use JWT.

The derived view is a member's courses (``GET /members/{id}/courses``): the courses of its course
members in the export, and those the run's clients had enrolled it in and not removed it from.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .stress import CONTRIBUTE, DELETE, UPDATE, Client, Ledger, Rejected, StressProfile, ViewCheck

MEMBERS = "members"
COURSE_MEMBERS = "coursemembers"
API = "/api/v1"
PAGE = 1000  # the largest limit the document allows


class CoursepathStress(StressProfile):
    """Members (create, update) and course members (enroll, remove)."""

    api = "coursepath"
    does = frozenset({UPDATE, CONTRIBUTE, DELETE})
    lists = (MEMBERS, COURSE_MEMBERS)

    def __init__(self) -> None:
        self.courses: list[str] = []
        self.enrolled: dict[str, set[str]] = defaultdict(set)

    async def prepare(self, client: Client, state: Mapping[str, Any]) -> None:
        courses = await client.call(
            "GET", f"{API}/courses", params={"limit": PAGE}, expect=200, what="listCourses"
        )
        self.courses = sorted(str(c["id"]) for c in courses)
        if not self.courses:
            raise Rejected("listCourses: no course to enroll members in")

    async def create(self, client: Client, tag: str) -> str:
        sent = {"email": f"{tag}@stress.example", "company": "Stress", "externalId": tag}
        return await self.created(client, MEMBERS, f"{API}/members", sent, 201, "createMember", "email")

    async def update(self, client: Client, handle: Any, tag: str) -> None:
        sent = {"company": f"Company {tag}"}
        await self.updated(client, MEMBERS, handle, "POST", f"{API}/members/{handle}", sent, "updateMember")

    async def contribute(self, client: Client, handle: Any, tag: str) -> None:
        """Enroll the member in a course it is not in (none left: nothing to do)."""
        free = [c for c in self.courses if c not in self.enrolled[handle]]
        if not free:
            return
        course = client.random.choice(free)
        await _course_member(client, "POST", course, handle, 201, "enrollCourseMember")
        client.ledger.created(COURSE_MEMBERS, f"{course}:{handle}", {"courseId": course, "memberId": handle})
        self.enrolled[handle].add(course)

    async def delete(self, client: Client, handle: Any) -> bool:
        """Remove the member from one of its courses; the member stays (the API deletes none)."""
        held = sorted(self.enrolled[handle])
        if held:
            course = client.random.choice(held)
            await _course_member(client, "DELETE", course, handle, 204, "removeCourseMember")
            client.ledger.deleted(COURSE_MEMBERS, f"{course}:{handle}")
            self.enrolled[handle].discard(course)
        return False

    async def _all(self, client: Client, path: str, what: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = await client.call(
                "GET", path, params={"offset": len(found), "limit": PAGE}, expect=200, what=what
            )
            found += page
            if len(page) < PAGE:
                return found

    async def listed(self, client: Client) -> dict[str, list[str]]:
        members = [str(m["id"]) for m in await self._all(client, f"{API}/members", "listMembers")]
        course_members: list[str] = []
        for course in self.courses:
            held = await self._all(client, f"{API}/courses/{course}/members", "listCourseMembers")
            course_members += [f"{course}:{m['id']}" for m in held]
        return {MEMBERS: members, COURSE_MEMBERS: course_members}

    def views(self, state: Mapping[str, Any], ledger: Ledger) -> Iterable[ViewCheck]:
        return self.per_owner(
            ledger.of(MEMBERS),
            ((r["memberId"], r["courseId"]) for r in state["collections"].get(COURSE_MEMBERS, {}).values()),
            ((w.fields["memberId"], w.fields["courseId"]) for w in ledger.of(COURSE_MEMBERS)),
            set,
            functools.partial(_courses_check, self),
        )


async def _course_member(
    client: Client, method: str, course: str, member: Any, expect: int, what: str
) -> None:
    """Enroll ``member`` in ``course`` (POST) or remove it (DELETE): the same path, the course member's."""
    await client.call(
        method, f"{API}/courses/{course}/members/{member}/coursemember", expect=expect, what=what
    )


def _courses_check(
    profile: CoursepathStress, member: str, exported: set[str], acknowledged: set[str]
) -> ViewCheck:
    async def check(client: Client) -> str | None:
        courses = await profile._all(client, f"{API}/members/{member}/courses", "listMemberCourses")
        served = {str(c["id"]) for c in courses}
        if not served == exported == acknowledged:
            return (
                f"member {member} is in courses {sorted(served)}; the export's course members say "
                f"{sorted(exported)}, the acknowledged enrollments {sorted(acknowledged)}"
            )
        return None

    return check
