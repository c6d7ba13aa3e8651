"""Coursepath's broken sandboxes, each caught by the workflow's state promises."""

from __future__ import annotations

import uuid
from typing import Any

from .blocks import (
    Fault,
    answer,
    as_read,
    drop_query_parameter,
    pretend,
    rewrite,
    stale_record,
)

C = "^/coursepath/api/v1"
STAMP = "2025-09-01T00:00:00Z"


def _member(segments: list[str], sent: dict[str, Any]) -> dict[str, Any]:
    """The member a create would answer, with an id nothing stores."""
    return {
        "name": "Ada Lovelace",
        **sent,
        "id": uuid.uuid4().hex[:10],
        "created": STAMP,
        "updated": STAMP,
    }


def _course_member(segments: list[str], sent: dict[str, Any]) -> dict[str, Any]:
    """The course member an enrollment would answer (``/courses/{c}/members/{m}/coursemember``)."""
    return {
        "courseId": segments[-4],
        "memberId": segments[-2],
        "role": "learner",
        "enrolled": STAMP,
        "completed": None,
        "score": None,
        "success": None,
        "certificate": None,
    }


def _done(scope: Any, body: bytes) -> tuple[int, Any]:
    return 204, ""


FAULTS: tuple[Fault, ...] = (
    Fault(
        "member create that stores nothing",
        "coursepath",
        "createMember",
        ("workflow",),
        answer("POST", C + "/members/?$", pretend(201, _member)),
    ),
    Fault(
        "member update that changes nothing",
        "coursepath",
        "updateMember",
        ("workflow",),
        rewrite("POST", C + "/members/[^/]+/?$", request=as_read),
    ),
    Fault(
        "enrollment that stores nothing",
        "coursepath",
        "enrollCourseMember",
        ("workflow",),
        answer("POST", C + "/courses/[^/]+/members/[^/]+/coursemember/?$", pretend(201, _course_member)),
    ),
    Fault(
        "course member removal that removes nothing",
        "coursepath",
        "removeCourseMember",
        ("workflow",),
        answer("DELETE", C + "/courses/[^/]+/members/[^/]+/coursemember/?$", _done),
    ),
    Fault(
        "leaving a group that leaves nothing",
        "coursepath",
        "removeMemberGroups",
        ("workflow",),
        answer("DELETE", C + "/members/[^/]+/groups/?$", _done),
    ),
    Fault(
        "program removal that removes nothing",
        "coursepath",
        "removeProgramMember",
        ("workflow",),
        answer("DELETE", C + "/programs/[^/]+/members/[^/]+/programmember/?$", _done),
    ),
    Fault(
        "member email filter ignored",
        "coursepath",
        "listMembers",
        ("workflow",),
        rewrite("GET", C + "/members/?$", request=drop_query_parameter("email")),
    ),
    Fault(
        "member department filter ignored",
        "coursepath",
        "listMembers",
        ("workflow",),
        rewrite("GET", C + "/members/?$", request=drop_query_parameter("department")),
    ),
    Fault(
        "member pages ignore the offset",
        "coursepath",
        "listMembers",
        ("workflow",),
        rewrite("GET", C + "/members/?$", request=drop_query_parameter("offset")),
    ),
    Fault(
        "member read answers the first member read",
        "coursepath",
        "getMember",
        ("workflow",),
        stale_record("GET", C + "/members/(?!me/?$)[^/]+/?$"),
    ),
)
