"""Absorb's documented behaviour as a state machine, checked against any target.

It never reads a store: it creates the users it needs through the API (usernames unique to the run),
and checks that a user reads back as created, that a partial update changes only what it names
(custom fields included), that a user is listed and found by a username filter (and not by its
negation), that pages partition the list, and that a learner's token is refused on the
administrator's operations. Courses cannot be made through the API: a rule reads back whichever
courses are listed (none is fine). Enrollments: a user it made is enrolled in a listed course, read
back by id, by user and course, and in both lists (a userId filter finds it, its negation does not);
re-enrolling keeps the previous one as history; un-enrolling removes it; finishing an attempt on
every lesson completes the course enrollment; an ILC session enrollment moves to another session only
with ``cancelSession``. Filters are checked against the workflow's own users that must not match (a
custom field, ``guid'..'`` literals, ``substringof``/``startswith``/``endswith``/``tolower``, a filter
and its negation partitioning the list), and pages partition plain, filtered, searched and sorted lists.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, precondition, rule

from .absorb_promises import AbsorbPromises
from .base import MAX_PAGES, Pages, writes_allowed

NAMES = st.sampled_from(["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret"])
TITLES = st.sampled_from(["Analyst", "Engineer", "Nurse", "Technician", None])
CUSTOM = st.fixed_dictionaries(
    {},
    optional={
        "string1": st.sampled_from(["Cohort 1", "Cohort 2"]),
        "decimal2": st.sampled_from([1.5, 42.0]),
        "checkbox3": st.booleans(),
    },
)
# The page sizes the partition rule walks the list with.
PAGE_SIZES = st.integers(min_value=3, max_value=12)


class AbsorbWorkflow(AbsorbPromises):
    """Users and departments: create, read back, update partially, list, page, and the learner's refusal."""

    api = "absorb"

    users = Bundle("users")
    enrollments = Bundle("enrollments")

    def __init__(self) -> None:
        super().__init__()
        self.model_users: dict[str, dict[str, Any]] = {}

    def _ok(self, response: httpx.Response, status: int, operation: str, what: str) -> Any:
        self.expect_status(response, status, operation, what)
        return response.json()

    def _same(
        self, answer: dict[str, Any], expected: dict[str, Any], operation: str, response: httpx.Response
    ) -> None:
        for name, value in expected.items():
            got = answer.get(name)
            if name == "customFields":
                got = {k: v for k, v in (got or {}).items() if k in value}
            self.expect(got == value, operation, f"{name} should be {value!r}, not {got!r}", response)

    def _department(self) -> str | None:
        listed = self._ok(
            self.call("GET", "/departments", params={"_limit": 1}), 200, "listDepartments", "departments"
        )
        found = listed.get("departments") or []
        return str(found[0]["id"]) if found else None

    # users

    @precondition(writes_allowed)
    @rule(target=users, first=NAMES, last=NAMES, title=TITLES, custom=CUSTOM)
    def create_a_user(self, first: str, last: str, title: str | None, custom: dict[str, Any]) -> str:
        department = self._department()
        username = self.unique(f"{first}.{last}".lower())
        sent = {
            "departmentId": department,
            "firstName": first,
            "lastName": last,
            "username": username,
            "jobTitle": title,
            "customFields": custom,
        }
        response = self.call("POST", "/users", json=sent)
        made = self._ok(response, 201, "createUser", "the new user")
        self._same(made, sent, "createUser", response)
        self.model_users[str(made["id"])] = sent
        return str(made["id"])

    @rule(user=users)
    def a_user_reads_back_as_written(self, user: str) -> None:
        response = self.call("GET", f"/users/{user}")
        answer = self._ok(response, 200, "getUser", "the user made earlier")
        self.expect(answer.get("id") == user, "getUser", f"the id should be {user}", response)
        self._same(answer, self.model_users[user], "getUser", response)

    @precondition(writes_allowed)
    @rule(user=users, title=TITLES, custom=CUSTOM)
    def a_partial_update_changes_only_what_it_names(
        self, user: str, title: str | None, custom: dict[str, Any]
    ) -> None:
        before = self._ok(self.call("GET", f"/users/{user}"), 200, "getUser", "the user")
        response = self.call("PUT", f"/users/{user}", json={"jobTitle": title, "customFields": custom})
        answer = self._ok(response, 200, "updateUser", "the updated user")
        expected_custom = {**before["customFields"], **custom}
        expected = {**before, "jobTitle": title, "customFields": expected_custom}
        for name in set(expected) - {"dateEdited"}:
            self.expect(
                answer.get(name) == expected[name],
                "updateUser",
                f"{name} should be {expected[name]!r}, not {answer.get(name)!r}",
                response,
            )
        self.model_users[user] = {**self.model_users[user], "jobTitle": title}
        self.model_users[user]["customFields"] = {
            **self.model_users[user]["customFields"],
            **custom,
        }
        again = self._ok(self.call("GET", f"/users/{user}"), 200, "getUser", "the updated user")
        self._same(again, self.model_users[user], "updateUser", response)

    def _walk(self, path: str, key: str, operation: str, size: int, params: dict[str, str]) -> Pages:
        """Every page of ``path`` at ``size`` a page (at most ``MAX_PAGES``), each page checked."""
        total: int | None = None

        def fetch(offset: int) -> tuple[httpx.Response, list[str], bool]:
            nonlocal total
            response = self.call("GET", path, params={**params, "_limit": size, "_offset": offset})
            page = self.expect_answer(response, 200, operation, f"page {offset}")
            total = page["totalItems"] if total is None else total
            self.expect(page["totalItems"] == total, operation, "totalItems changed between pages", response)
            self.expect(
                page["limit"] == size
                and page["offset"] == offset
                and page["returnedItems"] == len(page[key]),
                operation,
                f"limit {size}, offset {offset} and returnedItems = len({key})",
                response,
            )
            ids = [str(r["id"]) for r in page[key]]
            return response, ids, len(ids) < size or (offset + 1) * size >= total

        pages = self.walk_pages(operation, fetch, max_pages=MAX_PAGES)
        if pages.complete:
            self.expect(
                len(pages.ids) == total,
                operation,
                f"{total} {key} over pages of {size}, read {len(pages.ids)} ({params or 'no filter'})",
                pages.last,
            )
        return pages

    @rule(size=PAGE_SIZES)
    def pages_partition_the_user_list(self, size: int) -> None:
        pages = self._walk("/users", "users", "listUsers", size, {})
        if pages.complete:
            self.expect_listing(
                pages.ids, "listUsers", "users made by the workflow", pages.last, present=self.model_users
            )

    @rule(
        size=PAGE_SIZES,
        listing=st.sampled_from(
            [
                (
                    "/users",
                    "users",
                    "listUsers",
                    {"_filter": "isActive eq true", "_sort": "-lastName,username"},
                ),
                ("/users", "users", "listUsers", {"_search": "a"}),
                ("/departments", "departments", "listDepartments", {"_sort": "-name"}),
                ("/courses", "courses", "listCourses", {"_filter": "courseType ne 'InstructorLedCourse'"}),
            ]
        ),
    )
    def pages_partition_filtered_and_sorted_lists(
        self, size: int, listing: tuple[str, str, str, dict[str, str]]
    ) -> None:
        path, key, operation, params = listing
        seen = self._walk(path, key, operation, size, params).ids
        everything = self._ok(
            self.call("GET", path, params={**params, "_limit": 1000}), 200, operation, f"all {key}"
        )
        self.expect(
            seen == [str(r["id"]) for r in everything[key]][: len(seen)],
            operation,
            f"pages of {size} are the one-page list cut in order ({params})",
        )

    @rule(user=users)
    def a_username_filter_finds_that_user_and_no_other(self, user: str) -> None:
        username = self.model_users[user]["username"]
        response = self.call("GET", "/users", params={"_filter": f"username eq '{username}'"})
        found = self._ok(response, 200, "listUsers", "the filtered users")
        ids = [str(u["id"]) for u in found.get("users", [])]
        self.expect(
            ids == [user], "listUsers", f"_filter on username {username!r} finds only {user}", response
        )
        response = self.call("GET", "/users", params={"_filter": f"username ne '{username}'", "_limit": 1000})
        others = self._ok(response, 200, "listUsers", "the users not matching")
        self.expect(
            user not in {str(u["id"]) for u in others.get("users", [])},
            "listUsers",
            f"_filter username ne {username!r} still lists {user}",
            response,
        )

    @rule(value=st.sampled_from(["Cohort 1", "Cohort 2", "cohort 1"]))
    def a_custom_field_filter_matches_exactly_the_users_it_names(self, value: str) -> None:
        text = f"customFields/string1 eq '{value}'"
        response = self.call("GET", "/users", params={"_filter": text, "_limit": 1000})
        found = self._ok(response, 200, "listUsers", "the users with the custom field")["users"]
        ids = {str(u["id"]) for u in found}
        self.expect(
            all(
                str((u.get("customFields") or {}).get("string1") or "").casefold() == value.casefold()
                for u in found
            ),
            "listUsers",
            f"_filter {text} lists only users whose string1 is {value!r} (ignoring case)",
            response,
        )
        for user, sent in self.model_users.items():
            held = (sent.get("customFields") or {}).get("string1")
            matches = held is not None and str(held).casefold() == value.casefold()
            self.expect(
                (user in ids) == matches,
                "listUsers",
                f"_filter {text}: user {user} (string1 {held!r}) {'missing' if matches else 'listed'}",
                response,
            )
        rest = self.call("GET", "/users", params={"_filter": f"not ({text})", "_limit": 1000})
        others = {str(u["id"]) for u in self._ok(rest, 200, "listUsers", "the users without it")["users"]}
        total = self._ok(self.call("GET", "/users", params={"_limit": 1}), 200, "listUsers", "a page")[
            "totalItems"
        ]
        self.expect(
            not ids & others and len(ids) + len(others) == total,
            "listUsers",
            f"_filter {text} and its negation partition the users",
            rest,
        )

    @rule(user=users)
    def guid_literals_and_functions_find_only_their_user(self, user: str) -> None:
        username = str(self.model_users[user]["username"])
        checks = [
            (f"id eq guid'{user}'", True, lambda u: str(u["id"]) == user),
            (f"id eq guid'{user.upper()}' and startsWith(username, '{username[:3].upper()}')", True, None),
            (f"id ne guid'{user}'", False, lambda u: str(u["id"]) != user),
            (f"substringof('{username}', username)", True, lambda u: username in str(u["username"]).lower()),
            (
                f"startswith(tolower(username), '{username}') and endswith(username, '{username[-2:]}')",
                True,
                lambda u: str(u["username"]).lower().startswith(username),
            ),
            (f"not (substringof('{username}', username))", False, None),
        ]
        for text, listed, each in checks:
            response = self.call("GET", "/users", params={"_filter": text, "_limit": 1000})
            found = self._ok(response, 200, "listUsers", f"the users for {text}")["users"]
            ids = {str(u["id"]) for u in found}
            self.expect(
                (user in ids) == listed,
                "listUsers",
                f"_filter {text} {'finds' if listed else 'leaves out'} {user}",
                response,
            )
            if each is not None:
                self.expect(
                    all(each(u) for u in found),
                    "listUsers",
                    f"_filter {text} lists only matching users",
                    response,
                )

    # courses

    @rule(size=PAGE_SIZES)
    def each_listed_course_reads_back_as_listed(self, size: int) -> None:
        response = self.call("GET", "/courses", params={"_limit": size})
        page = self._ok(response, 200, "listCourses", "a page of courses")
        courses = page.get("courses") or []
        self.expect(
            page.get("returnedItems") == len(courses) <= size,
            "listCourses",
            f"returnedItems = len(courses) <= {size}",
            response,
        )
        for course in courses:
            got = self.call("GET", f"/courses/{course['id']}")
            answer = self._ok(got, 200, "getCourse", f"course {course['id']}")
            self.expect(answer == course, "getCourse", "answers the course as the list does", got)
            chapters = {c["id"] for c in answer.get("chapters") or []}
            self.expect(
                all(lesson.get("chapterId") in chapters for lesson in answer.get("lessons") or []),
                "getCourse",
                "each lesson names one of the course's chapters",
                got,
            )

    # enrollments

    def _a_course(self, index: int) -> str | None:
        listed = self._ok(
            self.call("GET", "/courses", params={"_limit": 1000}), 200, "listCourses", "the courses"
        )
        found = listed.get("courses") or []
        return str(found[index % len(found)]["id"]) if found else None

    def _expect_active(self, user: str, course: str, enrollment: str, operation: str) -> None:
        response = self.call("GET", f"/users/{user}/enrollments/{course}")
        answer = self._ok(response, 200, "getUserCourseEnrollment", "the user's enrollment in the course")
        self.expect(
            answer.get("id") == enrollment and answer.get("isActive") is True,
            operation,
            f"the active enrollment of {user} in {course} should be {enrollment}",
            response,
        )

    @precondition(writes_allowed)
    @rule(target=enrollments, user=users, index=st.integers(min_value=0, max_value=50))
    def enrolling_a_user_reads_back_everywhere(self, user: str, index: int) -> tuple[str, str, str]:
        course = self._a_course(index)
        if course is None:
            return ("", "", "")  # no course to enroll in: nothing to check
        response = self.call("POST", f"/users/{user}/enrollments/{course}", params={"reEnroll": "true"})
        made = self._ok(response, 201, "enrollUserInCourse", "the new enrollment")
        self.expect(
            made.get("userId") == user and made.get("courseId") == course and made.get("isActive") is True,
            "enrollUserInCourse",
            "a new enrollment is active and names the user and the course",
            response,
        )
        enrollment = str(made["id"])
        self._expect_active(user, course, enrollment, "enrollUserInCourse")
        got = self.call("GET", f"/enrollments/{enrollment}")
        self.expect(
            self._ok(got, 200, "getEnrollment", "the enrollment") == made, "getEnrollment", "reads back", got
        )
        listed = self.call("GET", f"/users/{user}/enrollments", params={"_limit": 1000})
        ids = {
            str(e["id"]) for e in self._ok(listed, 200, "listUserEnrollments", "the user's")["enrollments"]
        }
        self.expect(enrollment in ids, "listUserEnrollments", "lists the new enrollment", listed)
        mine = self.call(
            "GET", f"/courses/{course}/enrollments", params={"_filter": f"userId eq {user}", "_limit": 1000}
        )
        found = self._ok(mine, 200, "listCourseEnrollments", "the course's, for the user")["enrollments"]
        self.expect(
            enrollment in {str(e["id"]) for e in found} and all(e["userId"] == user for e in found),
            "listCourseEnrollments",
            "_filter userId eq finds the user's enrollments and no other user's",
            mine,
        )
        others = self.call(
            "GET", f"/courses/{course}/enrollments", params={"_filter": f"userId ne {user}", "_limit": 1000}
        )
        rest = self._ok(others, 200, "listCourseEnrollments", "the course's, for other users")["enrollments"]
        self.expect(
            enrollment not in {str(e["id"]) for e in rest},
            "listCourseEnrollments",
            "_filter userId ne leaves the user's enrollment out",
            others,
        )
        return (user, course, enrollment)

    @precondition(writes_allowed)
    @rule(target=enrollments, user=users, index=st.integers(min_value=0, max_value=50))
    def a_session_enrollment_moves_only_with_cancel_session(
        self, user: str, index: int
    ) -> tuple[str, str, str]:
        listed = self.call(
            "GET", "/courses", params={"_filter": "courseType eq 'InstructorLedCourse'", "_limit": 1000}
        )
        ilcs = [
            c for c in self._ok(listed, 200, "listCourses", "the ILCs")["courses"] if len(c["sessions"]) >= 2
        ]
        if not ilcs:
            return ("", "", "")  # no ILC with two sessions to move between
        course = ilcs[index % len(ilcs)]
        first, second = (str(s["id"]) for s in course["sessions"][:2])
        base = f"/users/{user}/enrollments/{course['id']}/sessions"
        made = self.call("POST", f"{base}/{first}", params={"reEnroll": "true"})
        answer = self._ok(made, 201, "enrollUserInSession", "the ILC and session enrollment")
        self.expect(
            answer.get("sessionId") == first and answer.get("userId") == user,
            "enrollUserInSession",
            "names the user and the session",
            made,
        )
        self._expect_active(user, str(course["id"]), str(answer["enrollmentId"]), "enrollUserInSession")
        refused = self.call("POST", f"{base}/{second}")
        self.expect_status(refused, 422, "enrollUserInSession", "another session without cancelSession")
        moved = self.call("POST", f"{base}/{second}", params={"cancelSession": "true"})
        after = self._ok(moved, 201, "enrollUserInSession", "the move to the second session")
        self.expect(
            after.get("enrollmentId") == answer["enrollmentId"],
            "enrollUserInSession",
            "moving session keeps the ILC enrollment",
            moved,
        )
        held = self.call("GET", base)
        sessions = self._ok(held, 200, "listUserSessionEnrollments", "the user's session enrollments")
        self.expect(
            [str(s["sessionId"]) for s in sessions] == [second],
            "listUserSessionEnrollments",
            "only the second session is held after cancelSession",
            held,
        )
        gone = self.call("GET", f"{base}/{first}")
        self.expect_status(gone, 404, "getUserSessionEnrollment", "the cancelled session enrollment")
        return (user, str(course["id"]), str(answer["enrollmentId"]))

    @precondition(writes_allowed)
    @rule(target=enrollments, enrollment=consumes(enrollments))
    def re_enrolling_keeps_the_previous_enrollment_as_history(
        self, enrollment: tuple[str, str, str]
    ) -> tuple[str, str, str]:
        user, course, previous = enrollment
        if not previous:
            return enrollment
        response = self.call("POST", f"/users/{user}/enrollments/{course}", params={"reEnroll": "true"})
        made = self._ok(response, 201, "enrollUserInCourse", "the re-enrollment")
        self.expect(
            str(made["id"]) != previous, "enrollUserInCourse", "re-enrolling makes a new enrollment", response
        )
        old = self.call("GET", f"/enrollments/{previous}")
        self.expect(
            self._ok(old, 200, "getEnrollment", "the previous enrollment").get("isActive") is False,
            "getEnrollment",
            "the previous enrollment is kept, no longer active",
            old,
        )
        self._expect_active(user, course, str(made["id"]), "enrollUserInCourse")
        return (user, course, str(made["id"]))

    @precondition(writes_allowed)
    @rule(enrollment=enrollments, score=st.sampled_from([55.0, 80.0, 100.0]))
    def finishing_every_lesson_completes_the_course(
        self, enrollment: tuple[str, str, str], score: float
    ) -> None:
        user, course, current = enrollment
        if not current:
            return
        base = f"/users/{user}/enrollments/{course}"
        active = self.call("GET", base)
        if (
            active.status_code != 200
            or active.json().get("id") != current
            or active.json().get("status") == 3
        ):
            return  # history by now, or already complete: nothing left to finish
        listed = self.call("GET", f"{base}/lessons")
        lessons = self._ok(listed, 200, "listUserLessonEnrollments", "the lesson enrollments")
        if not lessons:
            return  # an instructor-led course has sessions, not lessons
        for lesson in lessons:
            started = self.call("POST", f"{base}/lessons/{lesson['lessonId']}/attempts")
            attempt = self._ok(started, 201, "startAttempt", "a new attempt")["attemptId"]
            finished = self.call("PUT", f"/attempts/{attempt}", json={"status": 3, "score": score})
            answer = self._ok(finished, 200, "finishAttempt", "the finished attempt")
            self.expect(answer.get("status") == 3, "finishAttempt", "the attempt is complete", finished)
            got = self.call("GET", f"{base}/lessons/{lesson['lessonId']}")
            self.expect(
                self._ok(got, 200, "getUserLessonEnrollment", "the lesson").get("status") == 3,
                "finishAttempt",
                "a complete attempt completes its lesson",
                got,
            )
        after = self.call("GET", base)
        done = self._ok(after, 200, "getUserCourseEnrollment", "the course enrollment")
        self.expect(
            done.get("status") == 3 and done.get("progress") == 100.0,
            "finishAttempt",
            "every lesson complete: the course enrollment is Complete (3) at 100% progress",
            after,
        )

    @precondition(writes_allowed)
    @rule(enrollment=consumes(enrollments))
    def an_un_enrolled_enrollment_is_gone(self, enrollment: tuple[str, str, str]) -> None:
        user, course, current = enrollment
        if not current:
            return
        response = self.call("POST", "/enrollments/unenroll", json=[current])
        self.expect_status(response, 204, "unenroll", "un-enrolling the enrollment")
        gone = self.call("GET", f"/enrollments/{current}")
        self.expect_status(gone, 404, "getEnrollment", "an un-enrolled enrollment")
        # Enrolling the same user twice leaves a newer active enrollment; only this one must be gone.
        after = self.call("GET", f"/users/{user}/enrollments/{course}")
        self.expect(
            after.status_code == 404 or (after.status_code == 200 and after.json().get("id") != current),
            "getUserCourseEnrollment",
            "an un-enrolled enrollment is no longer the user's enrollment in the course",
            after,
        )

    # auth

    @rule()
    def a_learners_token_is_refused_on_admin_operations(self) -> None:
        credentials = self.target.vendor.credentials.defaults
        if not self.target.is_sandbox or len(credentials) < 2:
            return  # a real target's learner account is not known
        learner = credentials[1]
        login = self.call(
            "POST",
            "/authenticate",
            json={
                "username": learner["username"],
                "password": learner["password"],
                "privateKey": learner["api_key"],
            },
        )
        token = self._ok(login, 200, "authenticate", "the learner's token")
        self.expect(
            isinstance(token, str) and bool(token), "authenticate", "answers a bare JSON string", login
        )
        # Sent by hand, these win over the target's own credentials (its auth only fills what is missing).
        headers = {"x-api-key": learner["api_key"], "Authorization": f"Bearer {token}"}
        for operation, path in (("listUsers", "/users"), ("listDepartments", "/departments")):
            refused = self.call("GET", path, headers=headers)
            self.expect_status(refused, 403, operation, "a learner's token on an administrator's operation")
            body = refused.json()
            self.expect(
                isinstance(body, dict) and body.get("code") == 403,
                operation,
                "refused in Absorb's error body",
                refused,
            )
