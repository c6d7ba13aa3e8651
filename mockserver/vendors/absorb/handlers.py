"""Absorb handlers: one per operationId, translating HTTP to the model and back.

The edge has checked ``x-api-key`` and the token; ``identity_of`` names the token's user, whose
rights the admin operations (``@admin``) check first. ``/authenticate`` needs only ``x-api-key`` at the
edge (``security: [{ApiKey: []}]``) and checks the body's private key and the account itself.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import connexion
from connexion.lifecycle import ConnexionResponse

from ...errors import Forbidden, NotFound
from ...store import Record
from ..base import BoundHandlers, Handler, VendorContext, identity_of
from ..credentials import LoginScheme
from ..edge import issue_token
from ..operation import operation, operations_of
from . import chapters, courses, enrollments, lessons, model, sessions
from .errors import Unauthorized

USER_SORT = (
    "id",
    *(f for f in model.USER_FIELDS if f != "ccEmailAddresses"),
    "lastLoginDate",
    "dateAdded",
    "dateEdited",
)
# Fields _filter takes on users (customFields/<name> besides): every scalar field a user has.
USER_FILTER = USER_SORT
DEPARTMENT_SORT = ("id", "name", "externalId", "parentId", "dateAdded", "dateEdited")

_H = TypeVar("_H", bound=Callable[..., Any])


@dataclass(frozen=True)
class Listing:
    """How one resource's list pages, sorts, filters and searches (``_search`` looks in ``search``)."""

    key: str
    default_sort: str
    sort: tuple[str, ...]
    filter: tuple[str, ...]
    search: tuple[str, ...]
    nested: tuple[str, ...] = ()
    status: bool = False  # the deprecated ``status`` (enrollment lists only)
    edited: str = "dateEdited"  # the field the deprecated ``modifiedSince`` reads


USERS = Listing(
    "users",
    "username",
    USER_SORT,
    USER_FILTER,
    ("firstName", "middleName", "lastName", "username", "emailAddress"),
    model.CUSTOM_FIELDS,
)
DEPARTMENTS = Listing("departments", "name", DEPARTMENT_SORT, DEPARTMENT_SORT, ("name", "externalId"))
COURSES = Listing(
    "courses", "name", courses.COURSE_SORT, courses.COURSE_FILTER, ("name", "description", "externalId")
)
ENROLLMENTS = Listing(
    "enrollments",
    "dateAdded",
    enrollments.ENROLLMENT_SORT,
    enrollments.ENROLLMENT_FILTER,
    ("fullName", "courseName"),
    status=True,
)
SESSION_ENROLLMENTS = Listing(
    "enrollments",
    "dateEnrolled",
    sessions.SESSION_SORT,
    sessions.SESSION_FILTER,
    ("fullName", "name"),
    status=True,
)
LESSON_ENROLLMENTS = Listing(
    "lessonEnrollments",
    "dateAdded",
    lessons.LESSON_SORT,
    lessons.LESSON_FILTER,
    ("fullName", "name"),
    status=True,
    edited="lastAttempt",
)


def _narrowed(
    found: list[Record], status: int | None, modified_since: str | None, edited: str
) -> list[Record]:
    """A small list's deprecated ``status`` and ``modifiedSince`` (on its field ``edited``)."""
    cut = model.parse_date(modified_since, "modifiedSince")
    return [
        r
        for r in found
        if (status is None or r.get("status") == status) and (cut is None or str(r.get(edited) or "") > cut)
    ]


def _json(body: Any) -> ConnexionResponse:
    # A bare JSON string must be encoded here: Connexion would send a str as it is.
    return ConnexionResponse(status_code=200, body=json.dumps(body), content_type="application/json")


def _created(enrollment: Record) -> Record:
    """An enrollment just made, as the create calls answer it: its id also as ``enrollmentId`` (seed)."""
    return {**model.public(enrollment), "enrollmentId": enrollment["id"]}


def _finished(attempt: Record) -> Record:
    """An attempt just finished, as the finish calls answer it: its id also as ``attemptId`` (seed sample)."""
    return {**model.public(attempt), "attemptId": attempt["id"]}


def admin(*operation_ids: str) -> Callable[[_H], _H]:
    """``operation``, for an admin operation: the token's user must be an admin, checked before anything."""

    def mark(handler: _H) -> _H:
        @functools.wraps(handler)
        def checked(self: Handlers, *args: Any, **kwargs: Any) -> Any:
            self._admin()
            return handler(self, *args, **kwargs)

        return operation(*operation_ids)(cast(_H, checked))

    return mark


class Handlers(BoundHandlers):
    """The handlers of one Absorb app, bound to its store, clock and accepted credentials."""

    def __init__(self, ctx: VendorContext) -> None:
        scheme = ctx.vendor.credentials
        assert isinstance(scheme, LoginScheme)
        super().__init__(ctx)
        self.scheme = scheme
        self.keys = {c["api_key"] for c in ctx.credentials}

    def _admin(self) -> Record:
        identity = identity_of(connexion.request.scope)
        return model.require_admin(self.data, identity.subject if identity else None)

    # authentication
    @operation("authenticate")
    def authenticate(self, body: dict[str, Any], **_: Any) -> ConnexionResponse:
        if body["privateKey"] not in self.keys:
            raise Forbidden("Forbidden: the private key is not valid.", field="privateKey")
        user = model.authenticate(self.data, body["username"], body["password"])
        if user is None:
            raise Unauthorized("Invalid username or password.")
        token = issue_token(self.data, self.scheme, self.ctx.clock, user["id"])
        return _json(token)

    # lists
    def _list(self, found: Iterable[Record], listing: Listing, query: dict[str, Any]) -> dict[str, Any]:
        """One page of ``found``: ``_filter``, ``_search``, the deprecated ``status`` and ``modifiedSince``.

        The deprecated ``limit`` and ``offset`` stand for ``_limit`` and ``_offset`` when those are absent.
        """
        keep = None
        if query.get("_filter") is not None:
            # odata_query builds its grammar as it is imported: on the first filter, not at the start.
            from .filters import compile_filter

            keep = compile_filter(query.get("_filter"), listing.filter, listing.nested)
        status = query.get("status") if listing.status else None
        chosen = [
            r
            for r in model.edited_since(found, query.get("modified_since"), listing.edited)
            if (keep is None or keep(r)) and (status is None or r.get("status") == status)
        ]
        chosen = model.search(chosen, query.get("_search"), listing.search)
        ordered = model.sort_records(chosen, query.get("_sort"), listing.default_sort, listing.sort)
        # Connexion fills in _limit's and _offset's defaults: the query string tells whether they were sent.
        sent = connexion.request.query_params
        limit = query.get("_limit") if "_limit" in sent or "limit" not in sent else query.get("limit")
        offset = query.get("_offset") if "_offset" in sent or "offset" not in sent else query.get("offset")
        return model.page(ordered, listing.key, limit, offset)

    # users
    @admin("listUsers")
    def list_users(self, **query: Any) -> dict[str, Any]:
        return self._list(self.data.collection(model.USERS).values(), USERS, query)

    @admin("getUser")
    def get_user(self, id_: str, **_: Any) -> Record:
        return model.public(model.get_user(self.data, id_.lower()))

    @admin("createUser")
    def create_user(self, body: dict[str, Any], **_: Any) -> tuple[Record, int]:
        return model.public(model.create_user(self.data, body)), 201

    @admin("updateUser")
    def update_user(self, id_: str, body: dict[str, Any], **_: Any) -> Record:
        user = model.get_user(self.data, id_.lower())
        return model.public(model.update_user(self.data, user, body))

    @admin("uploadUsers")
    def upload_users(self, body: list[dict[str, Any]], **_: Any) -> list[dict[str, str]]:
        return model.upload_users(self.data, body)

    # departments
    @admin("listDepartments")
    def list_departments(self, **query: Any) -> dict[str, Any]:
        return self._list(self.data.collection(model.DEPARTMENTS).values(), DEPARTMENTS, query)

    @admin("getDepartment")
    def get_department(self, id_: str, **_: Any) -> Record:
        return model.public(model.get_department(self.data, id_.lower()))

    # courses
    @admin("listCourses")
    def list_courses(self, **query: Any) -> dict[str, Any]:
        return self._list(self.data.collection(courses.COURSES).values(), COURSES, query)

    @admin("getCourse")
    def get_course(self, id_: str, **_: Any) -> Record:
        return model.public(courses.get_course(self.data, id_))

    # enrollments
    def _me(self) -> str:
        """The token's user's id: the "my enrollments" calls act as that user."""
        identity = identity_of(connexion.request.scope)
        return str(model.get_user(self.data, (identity.subject if identity else None) or "")["id"])

    @admin("listUserEnrollments")
    def list_user_enrollments(self, user_id: str, **query: Any) -> dict[str, Any]:
        return self._list(enrollments.of_user(self.data, user_id), ENROLLMENTS, query)

    @admin("listCourseEnrollments")
    def list_course_enrollments(self, course_id: str, **query: Any) -> dict[str, Any]:
        return self._list(enrollments.of_course(self.data, course_id), ENROLLMENTS, query)

    @admin("getUserCourseEnrollment")
    def get_user_course_enrollment(self, user_id: str, course_id: str, **_: Any) -> Record:
        return model.public(enrollments.active(self.data, user_id, course_id))

    @admin("enrollUserInCourse")
    def enroll_user(
        self, user_id: str, course_id: str, re_enroll: bool = False, **_: Any
    ) -> tuple[Record, int]:
        made, new = enrollments.enroll(self.data, user_id, course_id, re_enroll=re_enroll)
        return _created(made), 201 if new else 200

    @admin("getEnrollment")
    def get_enrollment(self, id_: str, **_: Any) -> Record:
        return model.public(enrollments.get_enrollment(self.data, id_))

    @admin("unenroll")
    def unenroll(self, body: list[str], **_: Any) -> tuple[None, int]:
        enrollments.unenroll(self.data, body)
        return None, 204

    @operation("listMyEnrollments")
    def list_my_enrollments(self, **query: Any) -> dict[str, Any]:
        return self._list(enrollments.of_user(self.data, self._me()), ENROLLMENTS, query)

    @operation("getMyEnrollment")
    def get_my_enrollment(self, course_id: str, **_: Any) -> Record:
        return model.public(enrollments.active(self.data, self._me(), course_id))

    # enrollMeAtMyEnrollments: the notes' alternative path for "Create my enrollment"
    # (vendor notes 1.5, row 26).
    @operation("enrollMe", "enrollMeAtMyEnrollments")
    def enroll_me(self, course_id: str, **_: Any) -> tuple[Record, int]:
        made, new = enrollments.enroll(self.data, self._me(), course_id)
        return _created(made), 201 if new else 200

    # lesson enrollments and attempts
    @admin("listUserLessonEnrollments")
    def list_user_lesson_enrollments(self, user_id: str, course_id: str, **_: Any) -> list[Record]:
        enrollment = enrollments.active(self.data, user_id, course_id)
        return [model.public(r) for r in lessons.of_enrollment(self.data, enrollment)]

    @admin("getUserLessonEnrollment")
    def get_user_lesson_enrollment(self, user_id: str, course_id: str, lesson_id: str, **_: Any) -> Record:
        enrollment = enrollments.active(self.data, user_id, course_id)
        return model.public(lessons.lesson_enrollment(self.data, enrollment, lesson_id))

    @admin("listLessonAttempts")
    def list_lesson_attempts(self, user_id: str, course_id: str, lesson_id: str, **_: Any) -> list[Record]:
        enrollment = enrollments.active(self.data, user_id, course_id)
        lesson = lessons.lesson_enrollment(self.data, enrollment, lesson_id)
        return [model.public(a) for a in lessons.attempts_of(self.data, lesson)]

    @admin("startAttempt")
    def start_attempt(
        self, user_id: str, course_id: str, lesson_id: str, **_: Any
    ) -> tuple[dict[str, str], int]:
        attempt = enrollments.start_attempt(self.data, user_id, course_id, lesson_id)
        return {
            "attemptId": attempt["id"],
            "courseId": attempt["courseId"],
            "userId": attempt["userId"],
        }, 201

    # finishAttemptByPost: the notes' alternative method for "Finish attempt" (vendor notes 1.5, row 23).
    @admin("finishAttempt", "finishAttemptByPost")
    def finish_attempt(self, attempt_id: str, body: dict[str, Any], **_: Any) -> Record:
        attempt = lessons.get_attempt(self.data, attempt_id)
        return _finished(enrollments.finish_attempt(self.data, attempt, body))

    # finishUserLessonAttemptByPost: the other of the notes' alternative methods (vendor notes 1.5, rows 9
    # and 24).
    @admin("finishUserLessonAttempt", "finishUserLessonAttemptByPost")
    def finish_user_lesson_attempt(
        self, user_id: str, course_id: str, lesson_id: str, attempt_id: str, body: dict[str, Any], **_: Any
    ) -> Record:
        attempt = lessons.get_attempt(self.data, attempt_id)
        named = (user_id.lower(), course_id.lower(), lesson_id.lower())
        if (attempt["userId"], attempt["courseId"], attempt["lessonId"]) != named:
            raise NotFound("Attempt not found.", field="attemptId")
        return _finished(enrollments.finish_attempt(self.data, attempt, body))

    # ILC session enrollments
    @admin("listUserSessionEnrollments")
    def list_user_session_enrollments(
        self,
        user_id: str,
        course_id: str,
        status: int | None = None,
        modified_since: str | None = None,
        **_: Any,
    ) -> list[Record]:
        enrollment = enrollments.active(self.data, user_id, course_id)
        found = _narrowed(sessions.of_enrollment(self.data, enrollment), status, modified_since, "dateEdited")
        return [model.public(r) for r in found]

    @admin("getUserSessionEnrollment")
    def get_user_session_enrollment(self, user_id: str, course_id: str, session_id: str, **_: Any) -> Record:
        enrollment = enrollments.active(self.data, user_id, course_id)
        return model.public(sessions.session_enrollment(self.data, enrollment, session_id))

    @admin("enrollUserInSession")
    def enroll_user_in_session(
        self,
        user_id: str,
        course_id: str,
        session_id: str,
        re_enroll: bool = False,
        cancel_session: bool = False,
        **_: Any,
    ) -> tuple[dict[str, str], int]:
        enrollment, held, new = enrollments.enroll_in_session(
            self.data, user_id, course_id, session_id, re_enroll=re_enroll, cancel_session=cancel_session
        )
        answer = {
            "userId": enrollment["userId"],
            "courseId": enrollment["courseId"],
            "sessionId": held["sessionId"],
            "enrollmentId": enrollment["id"],
            "sessionEnrollmentId": held["id"],
        }
        return answer, 201 if new else 200

    @admin("listSessionEnrollments")
    def list_session_enrollments(self, course_id: str, session_id: str, **query: Any) -> dict[str, Any]:
        session = sessions.session_of(courses.get_course(self.data, course_id), session_id)
        return self._list(sessions.of_session(self.data, session), SESSION_ENROLLMENTS, query)

    # chapter enrollments
    @admin("listUserChapterEnrollments")
    def list_user_chapter_enrollments(
        self,
        user_id: str,
        course_id: str,
        status: int | None = None,
        modified_since: str | None = None,
        **_: Any,
    ) -> list[Record]:
        enrollment = enrollments.active(self.data, user_id, course_id)
        course = courses.get_course(self.data, course_id)
        found = chapters.of_enrollment(self.data, enrollment, course)
        if modified_since is not None and not _narrowed([enrollment], None, modified_since, "dateEdited"):
            return []
        return _narrowed(found, status, None, "dateEnrolled")

    @admin("getUserChapterEnrollment")
    def get_user_chapter_enrollment(self, user_id: str, course_id: str, chapter_id: str, **_: Any) -> Record:
        enrollment = enrollments.active(self.data, user_id, course_id)
        course = courses.get_course(self.data, course_id)
        return chapters.chapter_enrollment(self.data, enrollment, course, chapter_id)

    @admin("listUserChapterLessonEnrollments")
    def list_user_chapter_lesson_enrollments(
        self, user_id: str, course_id: str, chapter_id: str, **_: Any
    ) -> list[Record]:
        enrollment = enrollments.active(self.data, user_id, course_id)
        course = courses.get_course(self.data, course_id)
        chapter = chapters.chapter_enrollment(self.data, enrollment, course, chapter_id)
        found = lessons.of_enrollment(self.data, enrollment)
        return [model.public(r) for r in found if r["chapterId"] == chapter["chapterId"]]

    @admin("getUserChapterLessonEnrollment")
    def get_user_chapter_lesson_enrollment(
        self, user_id: str, course_id: str, chapter_id: str, lesson_id: str, **_: Any
    ) -> Record:
        enrollment = enrollments.active(self.data, user_id, course_id)
        lesson = lessons.lesson_enrollment(self.data, enrollment, lesson_id)
        if lesson["chapterId"] != chapter_id.lower():
            raise NotFound("Lesson enrollment not found.", field="chapterId")
        return model.public(lesson)

    # a lesson's enrollments, bulk enrollments, create-or-update
    @admin("listLessonEnrollments")
    def list_lesson_enrollments(self, course_id: str, lesson_id: str, **query: Any) -> dict[str, Any]:
        lesson = courses.lesson_of(courses.get_course(self.data, course_id), lesson_id)
        return self._list(lessons.of_lesson(self.data, lesson["id"]), LESSON_ENROLLMENTS, query)

    @operation("listBulkEnrollments")
    def list_bulk_enrollments(
        self, user_ids: list[str] | None = None, course_ids: list[str] | None = None, **_: Any
    ) -> list[Record]:
        users = set(model.guids(user_ids or [], "userIds"))
        wanted = set(model.guids(course_ids or [], "courseIds"))
        # Not @admin: malformed ids are refused (400) before the caller's rights (403).
        self._admin()
        found = [
            e
            for user in sorted(users)
            if user in self.data.collection(model.USERS)
            for e in enrollments.of_user(self.data, user)
            if not wanted or e["courseId"] in wanted
        ]
        ordered = model.sort_records(found, "dateAdded", "dateAdded", enrollments.ENROLLMENT_SORT)
        return [model.public(e) for e in ordered]

    # upsertUserEnrollmentByPut: one of the notes' alternative methods (vendor notes 1.5, rows 9 and 24).
    @admin("upsertUserEnrollment", "upsertUserEnrollmentByPut")
    def upsert_enrollment(
        self, user_id: str, body: dict[str, Any], re_enroll: bool = False, **_: Any
    ) -> dict[str, str]:
        made = enrollments.upsert(self.data, user_id, body, re_enroll=re_enroll)
        return {"enrollmentId": made["id"], "courseId": made["courseId"], "userId": made["userId"]}


def operations(ctx: VendorContext) -> dict[str, Handler]:
    """The operationId -> handler table of specs/absorb.yaml."""
    return operations_of(Handlers(ctx))
