"""Absorb's courses and enrollments in the workflow model (``AbsorbWorkflow`` mixes these rules in).

A listed course reads back as listed. A user the workflow made is enrolled in a listed course, read
back by id, by user and course, and in both lists (a userId filter finds it, its negation does not);
re-enrolling keeps the previous one as history; un-enrolling removes it; finishing an attempt on
every lesson completes the course enrollment; an ILC session enrollment moves to another session only
with ``cancelSession``.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, precondition, rule

from .absorb_promises import AbsorbPromises
from .base import writes_allowed

# The users the workflow made (``AbsorbWorkflow.create_a_user``), and the enrollments of them.
USERS = Bundle("users")
ENROLLMENTS = Bundle("enrollments")
# The page sizes the partition rules walk a list with.
PAGE_SIZES = st.integers(min_value=3, max_value=12)


class EnrollmentRules(AbsorbPromises):
    """Courses read back, and enrollments made, read, moved, completed and removed."""

    users = USERS
    enrollments = ENROLLMENTS

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
        answered = self._ok(response, 201, "enrollUserInCourse", "the new enrollment")
        self.expect(
            answered.get("enrollmentId") == answered.get("id"),
            "enrollUserInCourse",
            "the answer names the enrollment as enrollmentId, as the seed's sample does",
            response,
        )
        made = {k: v for k, v in answered.items() if k != "enrollmentId"}
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
