"""SkyPrep's instructor-led trainings and course progress in the workflow model.

``ProgressRules`` holds the rules; ``SkyprepWorkflow`` (``skyprep``) mixes them in with its users. The API
cannot make a training, so a timeslot rule uses a training the target lists and does nothing without one:
it never assumes seeded data.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from .base import writes_allowed
from .skyprep_calls import SkyprepCalls
from .skyprep_paths import USERS

PLACES = st.integers(min_value=1, max_value=5)
REGISTRATION_STATUSES = st.sampled_from(["registered", "attended", "absent", "cancelled"])


class ProgressRules(SkyprepCalls):
    """Timeslots and their registrations, and course progress, made, read back and undone within a rule."""

    # Set by the workflow that mixes these rules in.
    model_users: dict[int, dict[str, Any]]
    gone: set[int]

    @precondition(writes_allowed)
    @rule(user=USERS, capacity=PLACES, status=REGISTRATION_STATUSES, twin=st.booleans())
    def a_registration_in_a_new_timeslot_reads_back_until_the_timeslot_is_deleted(
        self, user: int, capacity: int, status: str, twin: bool
    ) -> None:
        if user in self.gone:
            return
        listed = self._ok(
            self.post("get_instructor_led_trainings"), "get_instructor_led_trainings", "trainings"
        )
        if not listed:
            return
        training = int(listed[0]["id"])
        response = self.post(
            "create_instructor_led_training_timeslot",
            instructor_led_training_id=training,
            capacity=capacity,
            location=self.unique("room"),
        )
        slot = self._ok(response, "create_instructor_led_training_timeslot", "a new timeslot")
        self._same(
            slot,
            {"capacity": capacity, "registration_count": 0},
            "create_instructor_led_training_timeslot",
            response,
        )
        sid = int(slot["id"])
        call = "create_instructor_led_training_timeslot_registrations"
        response = self.post(call, instructor_led_training_timeslot_id=sid, user_id=user, status=status)
        made = self._ok(response, call, "a new registration")
        self._same(
            made,
            {"user_id": user, "status": status, "instructor_led_training_timeslot_id": sid},
            call,
            response,
        )
        read_call = "get_instructor_led_training_timeslot_registrations"
        response = (self.get if twin else self.post)(read_call, instructor_led_training_timeslot_id=sid)
        read = self._ok(response, read_call + ("Get" if twin else ""), "the timeslot's registrations")
        self.expect(read == [made], read_call, "the timeslot holds the one registration made", response)
        response = self.post(
            "delete_instructor_led_training_timeslot", instructor_led_training_timeslot_id=sid
        )
        self._ok(response, "delete_instructor_led_training_timeslot", "success")
        self.expect_status(
            self.post(
                "update_instructor_led_training_timeslot_registration",
                instructor_led_training_timeslot_registration_id=int(made["id"]),
                status="attended",
            ),
            404,
            "delete_instructor_led_training_timeslot",
            "the deleted timeslot's registration reads 404",
        )

    @precondition(writes_allowed)
    @rule(user=USERS, final=st.sampled_from(["passed", "failed", "in-progress"]), twin=st.booleans())
    def a_course_progress_follows_an_enrollment_and_its_updates_until_destroyed(
        self, user: int, final: str, twin: bool
    ) -> None:
        if user in self.gone:
            return
        course = self._enrolled_in_a_new_course(user, "Progress course", "success")
        call = "get_course_progresses"
        response = (self.get if twin else self.post)(call, course_id=course)
        listed = self._ok(response, call + ("Get" if twin else ""), "the course's progresses")
        self.expect(
            [(p.get("user_id"), p.get("status")) for p in listed] == [(user, "not-started")],
            call,
            "the one enrolled user has a not-started progress",
            response,
        )
        pid = int(listed[0]["id"])
        response = self.post("update_course_progress", course_progress_id=pid, set_status=final)
        self._ok(response, "update_course_progress", "success")
        response = self.post("get_course_progress", course_progress_id=pid)
        self._same(
            self._ok(response, "get_course_progress", "the progress"),
            {"status": final},
            "get_course_progress",
            response,
        )
        other = "not-started" if final != "not-started" else "passed"
        response = self.post(call, course_id=course, status=other)
        self.expect(
            self._ok(response, call, "a filtered list") == [], call, f"no progress is {other}", response
        )
        status = self._ok(
            self.post("get_user_course_status", user_id=user, course_id=course),
            "get_user_course_status",
            "a status",
        )
        self.expect(
            status == {"status": final.replace("-", "_")},
            "get_user_course_status",
            "agrees with the progress",
            None,
        )
        self._destroyed(
            "destroy_course",
            {"course_id": course},
            "get_course_progress",
            "the destroyed course's progress reads 404",
            course_progress_id=pid,
        )
