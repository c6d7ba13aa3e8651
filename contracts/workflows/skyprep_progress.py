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
from .skyprep_paths import USERS, SkyprepCalls

PLACES = st.integers(min_value=1, max_value=5)
REGISTRATION_STATUSES = st.sampled_from(["registered", "attended", "absent", "cancelled"])


class ProgressRules(SkyprepCalls):
    """Timeslots and their registrations, made, read back and undone within one rule."""

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
