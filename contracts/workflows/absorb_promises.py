"""Absorb's state promises, every one checked once per run whatever Hypothesis draws.

``AbsorbPromises.check_every_promise`` is the workflow's initial step (run in a run's first example,
and again until it passes): each list is walked in bounded pages that must partition it, with totals
that agree with the items; every answer is checked against its operation's documented schema (errors
against Absorb's error body). With writes allowed it makes a user and a near miss (same names, another
username, email, external id, department and custom field), and checks that each lookup by an
alternative key finds that user and no other, that an update shows in the read and the list, that an
enrollment shows in the user's and the course's enrollments and not another's, that finishing attempts
moves the lesson's and the course enrollment's status and progress as the reference says, and that an
un-enrolled enrollment is gone everywhere. Read-only, the same lookups and lists are checked on the
target's own records.

Who is blamed: a read that answers another record than asked is the read's fault; a read that agrees
with the other reads but not with what a write answered is the write's.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import httpx
from hypothesis.stateful import initialize

from .base import CheckedWorkflow, Pages

MAX_LIMIT = 1000
# Pages per walk when the list is small: enough that an ignored offset shows on page 1.
PAGES_WANTED = 4
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# What an enrollment's reads must agree on (dates move with every write).
ENROLLMENT_STATE = ("id", "userId", "courseId", "status", "progress", "score", "isActive")


class AbsorbPromises(CheckedWorkflow):
    """The initial step that checks Absorb's state promises (see the module docstring)."""

    # Set on the run's bound class once every promise held, so later examples skip the (costly) step.
    promises_checked: ClassVar[bool] = False

    @initialize()
    def check_every_promise(self) -> None:
        if type(self).promises_checked:
            return
        departments = self._all("/departments", "departments", "listDepartments")
        courses = self._all("/courses", "courses", "listCourses")
        users = self._all("/users", "users", "listUsers")
        self._departments_read_back(departments)
        self._courses_read_back(courses)
        self.expect_error(self.call("GET", f"/users/{UNKNOWN}"), 404, "getUser", "an unknown user")
        self.expect_error(
            self.call("GET", f"/enrollments/{UNKNOWN}"), 404, "getEnrollment", "an unknown enrollment"
        )
        if self.writes_allowed and departments.ids:
            self._own_records(departments, courses)
        elif users.ids:
            self._existing_user(users.ids[0], users)
        type(self).promises_checked = True

    # --- lists -------------------------------------------------------------------------------

    def _all(self, path: str, key: str, operation: str, params: dict[str, str] | None = None) -> _Listing:
        """Every record of a list (as far as ``MAX_PAGES`` reach), walked in a few pages that must agree."""
        params = params or {}
        probe = self.call("GET", path, params={**params, "_limit": 1})
        total = self.expect_answer(probe, 200, operation, f"{path} {params or ''}")["totalItems"]
        size = min(MAX_LIMIT, max(2, math.ceil(total / PAGES_WANTED)))
        records: dict[str, dict[str, Any]] = {}

        def fetch(index: int) -> tuple[httpx.Response, list[str], bool]:
            response = self.call("GET", path, params={**params, "_limit": size, "_offset": index})
            page = self.expect_answer(response, 200, operation, f"page {index} of {path} {params or ''}")
            items = page[key]
            expected = max(0, min(size, total - index * size))
            self.expect(
                page["totalItems"] == total,
                operation,
                f"page {index}: totalItems {page['totalItems']}, page 0 said {total}",
                response,
            )
            self.expect(
                page["returnedItems"] == len(items) == expected,
                operation,
                f"page {index} of {size}: returnedItems {page['returnedItems']}, {len(items)} {key}, "
                f"but totalItems {total} leaves {expected} for it",
                response,
            )
            self.expect(
                (page["limit"], page["offset"]) == (size, index),
                operation,
                f"page {index}: limit {page['limit']}, offset {page['offset']} (asked {size}, {index})",
                response,
            )
            records.update({str(r["id"]): r for r in items})
            return response, [str(r["id"]) for r in items], (index + 1) * size >= total

        pages = self.walk_pages(operation, fetch)
        self.expect_all_read(
            pages, total, operation, f"pages of {size} hold {len(pages.ids)} {key}, totalItems says {total}"
        )
        return _Listing(pages, records, total)

    def _filtered(self, path: str, key: str, operation: str, text: str) -> tuple[list[str], httpx.Response]:
        """The ids a ``_filter`` answers in one page, its totals checked."""
        response = self.call("GET", path, params={"_filter": text, "_limit": MAX_LIMIT})
        page = self.expect_answer(response, 200, operation, f"_filter {text}")
        ids = [str(r["id"]) for r in page[key]]
        self.expect(
            page["totalItems"] == page["returnedItems"] == len(ids),
            operation,
            f"_filter {text}: totalItems {page['totalItems']}, returnedItems {page['returnedItems']}, "
            f"{len(ids)} {key}",
            response,
        )
        return ids, response

    def _lookup(self, text: str, wanted: list[str], what: str) -> None:
        ids, response = self._filtered("/users", "users", "listUsers", text)
        self.expect_ids(ids, wanted, "listUsers", f"_filter {text} ({what})", response)

    # --- what any target holds ---------------------------------------------------------------

    def _departments_read_back(self, departments: _Listing) -> None:
        self._reads_as_listed(departments, "/departments", "getDepartment", "department")
        if departments.ids and departments.pages.complete:
            name = str(departments.records[departments.ids[0]]["name"])
            named = [
                d for d, r in departments.records.items() if str(r["name"]).casefold() == name.casefold()
            ]
            ids, response = self._filtered(
                "/departments", "departments", "listDepartments", f"name eq '{name}'"
            )
            self.expect_ids(ids, named, "listDepartments", f"_filter name eq '{name}'", response)

    def _courses_read_back(self, courses: _Listing) -> None:
        self._reads_as_listed(courses, "/courses", "getCourse", "course")

    def _reads_as_listed(self, listing: _Listing, path: str, operation: str, noun: str) -> None:
        """The first few records of ``listing`` read back one by one (``path``/id) as listed."""
        for rid in listing.ids[:3]:
            response = self.call("GET", f"{path}/{rid}")
            got = self.expect_answer(response, 200, operation, f"{noun} {rid}")
            self.expect_fields(got, listing.records[rid], operation, "reads as listed", response)

    def _existing_user(self, user: str, users: _Listing) -> None:
        """Read-only: a listed user reads back, is found by its username alone, and owns its enrollments."""
        listed = users.records[user]
        self._user_reads(user, listed, "getUser")
        self._lookup(f"username eq '{listed['username']}'", [user], "a listed user's username")
        mine = self._all(f"/users/{user}/enrollments", "enrollments", "listUserEnrollments")
        strangers = [e for e, r in mine.records.items() if str(r["userId"]) != user]
        self.expect(
            not strangers,
            "listUserEnrollments",
            f"user {user}'s enrollments include {len(strangers)} of other users: {strangers[:5]}",
            mine.pages.last,
        )
        for enrollment in mine.ids[:2]:
            self._enrollment_reads(enrollment, mine.records[enrollment], "getEnrollment")

    def _user_reads(self, user: str, expected: dict[str, Any], blamed: str) -> dict[str, Any]:
        response = self.call("GET", f"/users/{user}")
        # Not found after a write that answered success: the write's fault.
        self.expect(response.status_code != 404 or blamed == "getUser", blamed, f"no user {user}", response)
        got: dict[str, Any] = self.expect_answer(response, 200, "getUser", f"user {user}")
        self.expect(
            str(got["id"]) == user, "getUser", f"asked for user {user}, answered {got['id']}", response
        )
        self.expect_fields(
            _custom_as_sent(got, expected), expected, blamed, f"user {user} reads back", response
        )
        return got

    def _enrollment_reads(self, enrollment: str, expected: dict[str, Any], blamed: str) -> dict[str, Any]:
        response = self.call("GET", f"/enrollments/{enrollment}")
        self.expect(
            response.status_code != 404 or blamed == "getEnrollment",
            blamed,
            f"no enrollment {enrollment}",
            response,
        )
        got: dict[str, Any] = self.expect_answer(response, 200, "getEnrollment", f"enrollment {enrollment}")
        self.expect(
            str(got["id"]) == enrollment,
            "getEnrollment",
            f"asked for enrollment {enrollment}, answered {got['id']}",
            response,
        )
        self.expect_fields(got, {k: expected[k] for k in ENROLLMENT_STATE}, blamed, "reads back", response)
        return got

    # --- the run's own records ---------------------------------------------------------------

    def _own_records(self, departments: _Listing, courses: _Listing) -> None:
        first = departments.ids[0]
        second = departments.ids[1] if len(departments.ids) > 1 else first
        surname = "Lovelace" + "".join(chr(ord("a") + int(c, 16) % 26) for c in self.nonce)
        stem = self.unique("wf.user")
        # The near miss's keys extend the user's: a lookup by prefix or substring answers both.
        user = self._create(first, surname, "Cohort 1", stem)
        near = self._create(second, surname, "Cohort 2", f"{stem}.near")
        u, n = user["id"], near["id"]
        for key in ("username", "emailAddress", "externalId"):
            self._lookup(f"{key} eq '{user[key]}'", [u], f"the user's {key}; near miss {n}")
            self._lookup(f"{key} eq '{near[key]}'", [n], f"the near miss's {key}; near miss {u}")
        self._lookup(f"lastName eq '{surname}'", [u, n], "the run's surname")
        if first != second:
            self._lookup(f"lastName eq '{surname}' and departmentId eq {first}", [u], "department")
        self._lookup(f"lastName eq '{surname}' and customFields/string1 eq 'Cohort 1'", [u], "custom field")
        users = self._all("/users", "users", "listUsers")
        if users.pages.complete:
            self.expect_listing(
                users.ids, "listUsers", "every page of users", users.pages.last, present=[u, n]
            )
        self._update(user, near, surname)
        online = sorted(
            (c for c in courses.records.values() if len(c.get("lessons") or []) >= 2),
            key=lambda c: len(c["lessons"]),
        )
        if online:
            other = next((c for c in courses.ids if c != str(online[0]["id"])), None)
            self._enrollments(u, n, online[0], other)

    def _create(self, department: str, surname: str, cohort: str, username: str) -> dict[str, Any]:
        sent: dict[str, Any] = {
            "departmentId": department,
            "firstName": "Ada",
            "lastName": surname,
            "username": username,
            "emailAddress": f"{username}@example.com",
            "externalId": f"EXT-{username}",
            "jobTitle": "Analyst",
            "customFields": {"string1": cohort},
        }
        response = self.call("POST", "/users", json=sent)
        made: dict[str, Any] = self.expect_answer(response, 201, "createUser", "a new user")
        self.expect_fields(_custom_as_sent(made, sent), sent, "createUser", "the new user", response)
        self._user_reads(str(made["id"]), sent, "createUser")
        return {**sent, "id": str(made["id"])}

    def _update(self, user: dict[str, Any], near: dict[str, Any], surname: str) -> None:
        u = user["id"]
        response = self.call(
            "PUT", f"/users/{u}", json={"jobTitle": "Engineer", "customFields": {"decimal2": 1.5}}
        )
        answer = self.expect_answer(response, 200, "updateUser", "a partial update")
        user |= {"jobTitle": "Engineer", "customFields": {**user["customFields"], "decimal2": 1.5}}
        expected = {k: v for k, v in user.items() if k != "id"}
        self.expect_fields(
            {
                **answer,
                "customFields": {k: (answer.get("customFields") or {}).get(k) for k in user["customFields"]},
            },
            expected,
            "updateUser",
            "the updated user (the fields not named are kept)",
            response,
        )
        self._user_reads(u, expected, "updateUser")
        self._user_reads(near["id"], {k: v for k, v in near.items() if k != "id"}, "updateUser")
        self._lookup(f"lastName eq '{surname}' and jobTitle eq 'Engineer'", [u], "the updated job title")
        self._lookup(f"lastName eq '{surname}' and jobTitle eq 'Analyst'", [near["id"]], "the old job title")

    # --- enrollments, progress, un-enrolling ---------------------------------------------------

    def _enroll(self, user: str, course: str) -> dict[str, Any]:
        response = self.call("POST", f"/users/{user}/enrollments/{course}", params={"reEnroll": "true"})
        made: dict[str, Any] = self.expect_answer(response, 201, "enrollUserInCourse", "a new enrollment")
        self.expect_fields(
            made,
            {"userId": user, "courseId": course, "isActive": True, "status": 0, "progress": 0},
            "enrollUserInCourse",
            "a new enrollment is active, not started",
            response,
        )
        self._enrollment_reads(str(made["id"]), made, "enrollUserInCourse")
        active = self.call("GET", f"/users/{user}/enrollments/{course}")
        got = self.expect_answer(
            active, 200, "getUserCourseEnrollment", "the user's enrollment in the course"
        )
        self.expect(
            str(got["id"]) == str(made["id"]),
            "enrollUserInCourse",
            f"the user's enrollment in {course} is {got['id']}, not the new {made['id']}",
            active,
        )
        return made

    def _enrollments(self, u: str, n: str, course: dict[str, Any], other: str | None) -> None:
        c = str(course["id"])
        e1, e2 = self._enroll(u, c), self._enroll(n, c)
        e3 = self._enroll(u, other) if other else None
        state = {str(e["id"]): e for e in (e1, e2, e3) if e is not None}
        mine = [str(e1["id"])] + ([str(e3["id"])] if e3 else [])
        self._enrollments_listed(u, n, c, mine, [str(e2["id"])], state)
        self._progress(u, n, c, course, e1, e2, state, mine)
        if e3 is not None and other is not None:
            self._unenroll(u, other, str(e3["id"]), mine[:1])

    def _enrollments_listed(
        self,
        u: str,
        n: str,
        c: str,
        mine: list[str],
        nears: list[str],
        state: dict[str, dict[str, Any]],
    ) -> None:
        """Each user's enrollments list exactly theirs, the course's list both users', each as read by id."""
        for user, wanted in ((u, mine), (n, nears)):
            listed = self._all(f"/users/{user}/enrollments", "enrollments", "listUserEnrollments")
            self.expect_ids(
                listed.ids, wanted, "listUserEnrollments", f"user {user}'s enrollments", listed.pages.last
            )
            for eid in wanted:
                self._entry_agrees(listed, eid, state[eid], "listUserEnrollments")
        path = f"/courses/{c}/enrollments"
        course = self._all(path, "enrollments", "listCourseEnrollments")
        ours = [e for e in state if str(state[e]["courseId"]) == c]
        theirs = [e for e in state if e not in ours]
        if course.pages.complete:
            self.expect_listing(
                course.ids,
                "listCourseEnrollments",
                f"course {c}'s enrollments",
                course.pages.last,
                present=ours,
                absent=theirs,
            )
            for eid in ours:
                self._entry_agrees(course, eid, state[eid], "listCourseEnrollments")
        for text, wanted in (
            (f"userId eq {u}", [e for e in ours if e in mine]),
            (f"userId eq {n}", [e for e in ours if e in nears]),
        ):
            ids, response = self._filtered(path, "enrollments", "listCourseEnrollments", text)
            self.expect_ids(ids, wanted, "listCourseEnrollments", f"_filter {text}", response)
        ids, response = self._filtered(path, "enrollments", "listCourseEnrollments", f"userId ne {u}")
        self.expect_listing(
            ids,
            "listCourseEnrollments",
            f"_filter userId ne {u}",
            response,
            present=[e for e in ours if e in nears],
            absent=[e for e in ours if e in mine],
        )

    def _entry_agrees(self, listing: _Listing, eid: str, expected: dict[str, Any], operation: str) -> None:
        entry = listing.records.get(eid)
        if entry is None:
            return
        wanted = {k: expected[k] for k in ENROLLMENT_STATE}
        # Read by id it agreed with the model: a list entry that differs is the list's fault.
        self.expect_fields(entry, wanted, operation, f"enrollment {eid} as listed", listing.pages.last)

    def _progress(
        self,
        u: str,
        n: str,
        c: str,
        course: dict[str, Any],
        e1: dict[str, Any],
        e2: dict[str, Any],
        state: dict[str, dict[str, Any]],
        mine: list[str],
    ) -> None:
        """Finished attempts complete lessons; the enrollment's progress is the share complete, 3 at 100."""
        base = f"/users/{u}/enrollments/{c}/lessons"
        listed = self.call("GET", base)
        lessons = self.expect_answer(listed, 200, "listUserLessonEnrollments", "the lesson enrollments")
        self.expect_ids(
            [str(x["lessonId"]) for x in lessons],
            [str(x["id"]) for x in course["lessons"]],
            "listUserLessonEnrollments",
            "one lesson enrollment per lesson of the course",
            listed,
        )
        self.expect(
            all(x["status"] == 0 and x["progress"] == 0 for x in lessons),
            "listUserLessonEnrollments",
            "a new enrollment's lessons are not started (status 0, progress 0)",
            listed,
        )
        total = len(lessons)
        eid = str(e1["id"])
        for done, lesson in enumerate(lessons, start=1):
            lid = str(lesson["lessonId"])
            started = self.call("POST", f"{base}/{lid}/attempts")
            attempt = self.expect_answer(started, 201, "startAttempt", "a new attempt")["attemptId"]
            finished = self.call("PUT", f"/attempts/{attempt}", json={"status": 3, "score": 80.0})
            answer = self.expect_answer(finished, 200, "finishAttempt", "the finished attempt")
            self.expect(answer.get("status") == 3, "finishAttempt", "the attempt is complete", finished)
            read = self.call("GET", f"{base}/{lid}")
            got = self.expect_answer(read, 200, "getUserLessonEnrollment", f"lesson {lid}")
            self.expect_fields(
                got,
                {"status": 3, "progress": 100, "score": 80.0},
                "finishAttempt",
                "a complete attempt completes its lesson",
                read,
            )
            progress = round(100.0 * done / total, 2)
            status = 3 if done == total else 1
            held = self._enrollment_reads(
                eid, {**e1, "status": status, "progress": progress, "score": 80.0}, "finishAttempt"
            )
            state[eid] = held
            if done == 1 or done == total:
                self._enrollments_listed(u, n, c, mine, [str(e2["id"])], state)
                active = self.call("GET", f"/users/{u}/enrollments/{c}")
                got = self.expect_answer(active, 200, "getUserCourseEnrollment", "the user's enrollment")
                self.expect_fields(
                    got,
                    {k: held[k] for k in ENROLLMENT_STATE},
                    "getUserCourseEnrollment",
                    "agrees with getEnrollment",
                    active,
                )
        self.expect(
            held.get("dateCompleted") is not None,
            "finishAttempt",
            "a complete enrollment has a dateCompleted",
        )
        self._enrollment_reads(str(e2["id"]), e2, "finishAttempt")

    def _unenroll(self, u: str, c: str, eid: str, left: list[str]) -> None:
        response = self.call("POST", "/enrollments/unenroll", json=[eid])
        self.expect_answer(response, 204, "unenroll", "un-enrolling")
        gone = self.call("GET", f"/enrollments/{eid}")
        self.expect(gone.status_code == 404, "unenroll", f"un-enrolled {eid} still reads by id", gone)
        self.expect_error(gone, 404, "getEnrollment", "an un-enrolled enrollment")
        active = self.call("GET", f"/users/{u}/enrollments/{c}")
        self.expect(
            active.status_code == 404, "unenroll", f"un-enrolled {eid} is still the user's in {c}", active
        )
        self.expect_error(active, 404, "getUserCourseEnrollment", "no enrollment in the course")
        listed = self._all(f"/users/{u}/enrollments", "enrollments", "listUserEnrollments")
        self.expect_ids(
            listed.ids,
            left,
            "unenroll",
            f"user {u}'s enrollments after un-enrolling {eid}",
            listed.pages.last,
        )
        course = self._all(f"/courses/{c}/enrollments", "enrollments", "listCourseEnrollments")
        self.expect_listing(
            course.ids, "unenroll", f"course {c}'s enrollments", course.pages.last, absent=[eid]
        )


class _Listing:
    """A walked list: its pages, the records by id, the total the first page gave."""

    def __init__(self, pages: Pages, records: dict[str, dict[str, Any]], total: int) -> None:
        self.pages = pages
        self.ids = pages.ids
        self.records = records
        self.total = total


def _custom_as_sent(user: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """``user`` with only the custom fields ``sent`` names (the others are the target's defaults)."""
    if "customFields" not in sent:
        return user
    held = user.get("customFields") or {}
    return {**user, "customFields": {k: held.get(k) for k in sent["customFields"]}}
