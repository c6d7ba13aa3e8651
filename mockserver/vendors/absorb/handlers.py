"""Absorb handlers: one per operationId, translating HTTP to the model and back.

The edge has checked ``x-api-key`` and the token; ``identity_of`` names the token's user, whose
rights the admin operations check. ``/authenticate`` is open at the edge (``security: []``) and
checks the private key and the account itself.
"""

from __future__ import annotations

import json
from typing import Any

import connexion
from connexion.lifecycle import ConnexionResponse

from ...errors import Forbidden, NotFound
from ...store import Record, VendorData
from ..base import Handler, VendorContext, identity_of
from ..credentials import LoginScheme
from ..edge import issue_token
from . import courses, enrollments, lessons, model
from .errors import Unauthorized
from .filters import compile_filter

USER_SORT = ("id", *(f for f in model.USER_FIELDS if f != "ccEmailAddresses"), "dateAdded", "dateEdited")
# Fields _filter takes on users (customFields/<name> besides): every scalar field a user has.
USER_FILTER = ("id", *(f for f in model.USER_FIELDS if f != "ccEmailAddresses"), "dateAdded", "dateEdited")
DEPARTMENT_SORT = ("id", "name", "externalId", "parentId", "dateAdded", "dateEdited")
DEPARTMENT_FILTER = DEPARTMENT_SORT


def _json(body: Any) -> ConnexionResponse:
    # A bare JSON string must be encoded here: Connexion would send a str as it is.
    return ConnexionResponse(status_code=200, body=json.dumps(body), content_type="application/json")


class Handlers:
    """The handlers of one Absorb app, bound to its store, clock and accepted credentials."""

    def __init__(self, ctx: VendorContext) -> None:
        scheme = ctx.vendor.credentials
        assert isinstance(scheme, LoginScheme)
        self.ctx = ctx
        self.scheme = scheme
        self.store = ctx.store
        self.keys = {c["api_key"] for c in ctx.credentials}

    @property
    def data(self) -> VendorData:
        return self.ctx.data

    def _admin(self) -> Record:
        identity = identity_of(connexion.request.scope)
        return model.require_admin(self.data, identity.subject if identity else None)

    # authentication
    def authenticate(self, body: dict[str, Any], **_: Any) -> ConnexionResponse:
        header_key = connexion.request.headers.get("x-api-key")
        if body["privateKey"] not in self.keys or (header_key is not None and header_key not in self.keys):
            raise Forbidden("Forbidden: the private key is not valid.", field="privateKey")
        with self.store.locked():
            user = model.authenticate(self.data, body["username"], body["password"])
            if user is None:
                raise Unauthorized("Invalid username or password.")
            token = issue_token(self.data, self.scheme, self.ctx.clock, user["id"])
        return _json(token)

    # users
    def list_users(
        self,
        _limit: int | None = None,
        _offset: int | None = None,
        _sort: str | None = None,
        _filter: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        keep = compile_filter(_filter, USER_FILTER, model.CUSTOM_FIELDS)
        with self.store.locked():
            self._admin()
            found = self.data.collection(model.USERS).values()
            chosen = [u for u in found if keep(u)] if keep is not None else found
            users = model.sort_records(chosen, _sort, "username", USER_SORT)
            return model.page(users, "users", _limit, _offset)

    def get_user(self, id_: str, **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            return model.public(model.get_user(self.data, id_.lower()))

    def create_user(self, body: dict[str, Any], **_: Any) -> tuple[Record, int]:
        with self.store.locked():
            self._admin()
            return model.public(model.create_user(self.data, body)), 201

    def update_user(self, id_: str, body: dict[str, Any], **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            user = model.get_user(self.data, id_.lower())
            return model.public(model.update_user(self.data, user, body))

    def upload_users(self, body: list[dict[str, Any]], **_: Any) -> list[dict[str, str]]:
        with self.store.locked():
            self._admin()
            return model.upload_users(self.data, body)

    # departments
    def list_departments(
        self,
        _limit: int | None = None,
        _offset: int | None = None,
        _sort: str | None = None,
        _filter: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        keep = compile_filter(_filter, DEPARTMENT_FILTER)
        with self.store.locked():
            self._admin()
            found = self.data.collection(model.DEPARTMENTS).values()
            chosen = [d for d in found if keep(d)] if keep is not None else found
            ordered = model.sort_records(chosen, _sort, "name", DEPARTMENT_SORT)
            return model.page(ordered, "departments", _limit, _offset)

    def get_department(self, id_: str, **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            return model.public(model.get_department(self.data, id_.lower()))

    # courses
    def list_courses(
        self,
        _limit: int | None = None,
        _offset: int | None = None,
        _sort: str | None = None,
        _filter: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        keep = compile_filter(_filter, courses.COURSE_FILTER)
        with self.store.locked():
            self._admin()
            found = self.data.collection(courses.COURSES).values()
            chosen = [c for c in found if keep(c)] if keep is not None else found
            ordered = model.sort_records(chosen, _sort, "name", courses.COURSE_SORT)
            return model.page(ordered, "courses", _limit, _offset)

    def get_course(self, id_: str, **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            return model.public(courses.get_course(self.data, id_))

    # enrollments
    def _enrollments(
        self,
        found: list[Record],
        status: int | None,
        _limit: int | None,
        _offset: int | None,
        _sort: str | None,
        _filter: str | None,
    ) -> dict[str, Any]:
        keep = compile_filter(_filter, enrollments.ENROLLMENT_FILTER)
        chosen = [e for e in found if (keep is None or keep(e)) and (status is None or e["status"] == status)]
        ordered = model.sort_records(chosen, _sort, "dateAdded", enrollments.ENROLLMENT_SORT)
        return model.page(ordered, "enrollments", _limit, _offset)

    def _me(self) -> str:
        """The token's user's id: the "my enrollments" calls act as that user."""
        identity = identity_of(connexion.request.scope)
        return str(model.get_user(self.data, (identity.subject if identity else None) or "")["id"])

    def list_user_enrollments(
        self,
        user_id: str,
        status: int | None = None,
        _limit: int | None = None,
        _offset: int | None = None,
        _sort: str | None = None,
        _filter: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        with self.store.locked():
            self._admin()
            found = enrollments.of_user(self.data, user_id)
            return self._enrollments(found, status, _limit, _offset, _sort, _filter)

    def list_course_enrollments(
        self,
        course_id: str,
        status: int | None = None,
        _limit: int | None = None,
        _offset: int | None = None,
        _sort: str | None = None,
        _filter: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        with self.store.locked():
            self._admin()
            found = enrollments.of_course(self.data, course_id)
            return self._enrollments(found, status, _limit, _offset, _sort, _filter)

    def get_user_course_enrollment(self, user_id: str, course_id: str, **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            return model.public(enrollments.active(self.data, user_id, course_id))

    def enroll_user(
        self, user_id: str, course_id: str, re_enroll: bool = False, **_: Any
    ) -> tuple[Record, int]:
        with self.store.locked():
            self._admin()
            made, new = enrollments.enroll(self.data, user_id, course_id, re_enroll=re_enroll)
            return model.public(made), 201 if new else 200

    def get_enrollment(self, id_: str, **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            return model.public(enrollments.get_enrollment(self.data, id_))

    def unenroll(self, body: list[str], **_: Any) -> tuple[None, int]:
        with self.store.locked():
            self._admin()
            enrollments.unenroll(self.data, body)
            return None, 204

    def list_my_enrollments(
        self,
        status: int | None = None,
        _limit: int | None = None,
        _offset: int | None = None,
        _sort: str | None = None,
        _filter: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        with self.store.locked():
            found = enrollments.of_user(self.data, self._me())
            return self._enrollments(found, status, _limit, _offset, _sort, _filter)

    def get_my_enrollment(self, course_id: str, **_: Any) -> Record:
        with self.store.locked():
            return model.public(enrollments.active(self.data, self._me(), course_id))

    def enroll_me(self, course_id: str, **_: Any) -> tuple[Record, int]:
        with self.store.locked():
            made, new = enrollments.enroll(self.data, self._me(), course_id)
            return model.public(made), 201 if new else 200

    # lesson enrollments and attempts
    def list_user_lesson_enrollments(self, user_id: str, course_id: str, **_: Any) -> list[Record]:
        with self.store.locked():
            self._admin()
            enrollment = enrollments.active(self.data, user_id, course_id)
            return [model.public(r) for r in lessons.of_enrollment(self.data, enrollment)]

    def get_user_lesson_enrollment(self, user_id: str, course_id: str, lesson_id: str, **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            enrollment = enrollments.active(self.data, user_id, course_id)
            return model.public(lessons.lesson_enrollment(self.data, enrollment, lesson_id))

    def list_lesson_attempts(self, user_id: str, course_id: str, lesson_id: str, **_: Any) -> list[Record]:
        with self.store.locked():
            self._admin()
            enrollment = enrollments.active(self.data, user_id, course_id)
            lesson = lessons.lesson_enrollment(self.data, enrollment, lesson_id)
            return [model.public(a) for a in lessons.attempts_of(self.data, lesson)]

    def start_attempt(
        self, user_id: str, course_id: str, lesson_id: str, **_: Any
    ) -> tuple[dict[str, str], int]:
        with self.store.locked():
            self._admin()
            attempt = enrollments.start_attempt(self.data, user_id, course_id, lesson_id)
            return {
                "attemptId": attempt["id"],
                "courseId": attempt["courseId"],
                "userId": attempt["userId"],
            }, 201

    def finish_attempt(self, attempt_id: str, body: dict[str, Any], **_: Any) -> Record:
        with self.store.locked():
            self._admin()
            attempt = lessons.get_attempt(self.data, attempt_id)
            return model.public(enrollments.finish_attempt(self.data, attempt, body))

    def finish_user_lesson_attempt(
        self, user_id: str, course_id: str, lesson_id: str, attempt_id: str, body: dict[str, Any], **_: Any
    ) -> Record:
        with self.store.locked():
            self._admin()
            attempt = lessons.get_attempt(self.data, attempt_id)
            named = (user_id.lower(), course_id.lower(), lesson_id.lower())
            if (attempt["userId"], attempt["courseId"], attempt["lessonId"]) != named:
                raise NotFound("Attempt not found.", field="attemptId")
            return model.public(enrollments.finish_attempt(self.data, attempt, body))


def operations(ctx: VendorContext) -> dict[str, Handler]:
    """The operationId -> handler table of specs/absorb.yaml."""
    h = Handlers(ctx)
    return {
        "authenticate": h.authenticate,
        "listUsers": h.list_users,
        "getUser": h.get_user,
        "createUser": h.create_user,
        "updateUser": h.update_user,
        "uploadUsers": h.upload_users,
        "listDepartments": h.list_departments,
        "getDepartment": h.get_department,
        "listCourses": h.list_courses,
        "getCourse": h.get_course,
        "listUserEnrollments": h.list_user_enrollments,
        "listCourseEnrollments": h.list_course_enrollments,
        "getUserCourseEnrollment": h.get_user_course_enrollment,
        "enrollUserInCourse": h.enroll_user,
        "getEnrollment": h.get_enrollment,
        "unenroll": h.unenroll,
        "listMyEnrollments": h.list_my_enrollments,
        "getMyEnrollment": h.get_my_enrollment,
        "enrollMe": h.enroll_me,
        # The notes' alternative path for "Create my enrollment" (vendor notes 1.5, row 26).
        "enrollMeAtMyEnrollments": h.enroll_me,
        "listUserLessonEnrollments": h.list_user_lesson_enrollments,
        "getUserLessonEnrollment": h.get_user_lesson_enrollment,
        "listLessonAttempts": h.list_lesson_attempts,
        "startAttempt": h.start_attempt,
        "finishAttempt": h.finish_attempt,
        # The notes' alternative method for "Finish attempt" (vendor notes 1.5, row 23).
        "finishAttemptByPost": h.finish_attempt,
        "finishUserLessonAttempt": h.finish_user_lesson_attempt,
    }
