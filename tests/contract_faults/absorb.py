"""Absorb's broken sandboxes, each caught by the workflow's state promises."""

from __future__ import annotations

import re
import uuid
from typing import Any

from .blocks import (
    Fault,
    answer,
    as_read,
    change_query_parameter,
    drop_query_parameter,
    each,
    error_as_text,
    lie_about_totals,
    on_success,
    only,
    pretend,
    rewrite,
    stale_record,
    with_value,
)

A = "^/absorb"
STAMP = "2025-09-01T00:00:00Z"


def _user(segments: list[str], sent: dict[str, Any]) -> dict[str, Any]:
    """The user a create would answer, with an id nothing stores."""
    nullable = ("middleName", "emailAddress", "phone", "jobTitle", "employeeNumber", "location", "externalId")
    more = ("dateHired", "dateTerminated", "notes", "languageId", "gender", "supervisorId")
    return {
        **dict.fromkeys(nullable + more),
        "ccEmailAddresses": [],
        "isActive": True,
        "isLearner": True,
        "isInstructor": False,
        **{k: v for k, v in sent.items() if k != "password"},
        "customFields": sent.get("customFields") or {},
        "id": str(uuid.uuid4()),
        "dateAdded": STAMP,
        "dateEdited": STAMP,
    }


def _enrollment(segments: list[str], sent: dict[str, Any]) -> dict[str, Any]:
    """The enrollment ``POST /users/{u}/enrollments/{c}`` would answer, with an id nothing stores."""
    made = str(uuid.uuid4())
    return {
        "id": made,
        "enrollmentId": made,
        "courseId": segments[-1],
        "courseName": "Course",
        "userId": segments[-3],
        "fullName": "Ada Lovelace",
        "status": 0,
        "progress": 0.0,
        "score": None,
        "isActive": True,
        "dateAdded": STAMP,
        "dateEdited": STAMP,
    }


def _loose_username(text: str) -> str:
    """``username eq 'x'`` read as a prefix match (a LIKE 'x%')."""
    return re.sub(r"username eq '([^']*)'", r"startswith(username, '\1')", text)


def _finish_as_in_progress(scope: Any, body: bytes) -> tuple[Any, bytes]:
    return scope, body.replace(b'"status": 3', b'"status": 1').replace(b'"status":3', b'"status":1')


FAULTS: tuple[Fault, ...] = (
    Fault(
        "user create that stores nothing",
        "absorb",
        "createUser",
        ("workflow",),
        answer("POST", A + "/users/?$", pretend(201, _user)),
    ),
    Fault(
        "user update that changes nothing",
        "absorb",
        "updateUser",
        ("workflow",),
        rewrite("PUT", A + "/users/[^/]+/?$", request=as_read),
    ),
    Fault(
        "enrollment that stores nothing",
        "absorb",
        "enrollUserInCourse",
        ("workflow",),
        answer("POST", A + "/users/[^/]+/enrollments/[^/]+/?$", pretend(201, _enrollment)),
    ),
    Fault(
        "un-enroll that removes nothing",
        "absorb",
        "unenroll",
        ("workflow",),
        answer("POST", A + "/enrollments/unenroll/?$", lambda scope, body: (204, "")),
    ),
    Fault(
        "username lookup by prefix",
        "absorb",
        "listUsers",
        ("workflow",),
        rewrite("GET", A + "/users/?$", request=change_query_parameter("_filter", _loose_username)),
    ),
    Fault(
        "user pages ignore the offset",
        "absorb",
        "listUsers",
        ("workflow",),
        rewrite("GET", A + "/users/?$", request=drop_query_parameter("_offset")),
    ),
    Fault(
        "user total off by one",
        "absorb",
        "listUsers",
        ("workflow",),
        rewrite("GET", A + "/users/?$", response=lie_about_totals("totalItems")),
    ),
    Fault(
        "course enrollments ignore the filter",
        "absorb",
        "listCourseEnrollments",
        ("workflow",),
        rewrite("GET", A + "/courses/[^/]+/enrollments/?$", request=drop_query_parameter("_filter")),
    ),
    Fault(
        "finishing an attempt leaves the lesson in progress",
        "absorb",
        "finishAttempt",
        ("workflow",),
        rewrite(
            "PUT",
            A + "/attempts/[^/]+/?$",
            request=_finish_as_in_progress,
            response=on_success(lambda body: {**body, "status": 3}),
        ),
    ),
    Fault(
        "user enrollments list stale progress",
        "absorb",
        "listUserEnrollments",
        ("workflow",),
        rewrite(
            "GET",
            A + "/users/[^/]+/enrollments/?$",
            response=on_success(
                lambda body: {**body, "enrollments": each(with_value("progress", 0.0))(body["enrollments"])}
            ),
        ),
    ),
    Fault(
        "user read answers the first user read",
        "absorb",
        "getUser",
        ("workflow",),
        stale_record("GET", A + "/users/[^/]+/?$"),
    ),
    Fault(
        "enrollment not found in the wrong format",
        "absorb",
        "getEnrollment",
        ("workflow",),
        rewrite("GET", A + "/enrollments/[^/]+/?$", response=only(404, error_as_text)),
    ),
)
