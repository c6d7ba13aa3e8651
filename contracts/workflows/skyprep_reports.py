"""SkyPrep's reports, account data and payments in the workflow model.

``ReportRules`` holds the rules; ``SkyprepWorkflow`` (``skyprep``) mixes them in with its users. A user
report lists the courses get_user_courses lists, with the statuses get_course_progresses answers; an
asynchronous report completes within a few reads and agrees with get_report; get_data counts what the
lists hold; payments come newest first and a filter keeps only what matches. Saved advanced reports,
materials and payments are made outside the API: the rules read what the target has and assume none.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from .base import writes_allowed
from .skyprep_calls import SkyprepCalls
from .skyprep_paths import USERS

PAYMENT_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["complete", "pending", "refunded", "failed"]),
        "payment_type": st.sampled_from(["paypal", "stripe"]),
        "created_after_days_ago": st.integers(min_value=0, max_value=400),
    },
)
# How many reads an asynchronous report may take to complete (the sandbox completes at the second).
ASYNC_READS = 3


class ReportRules(SkyprepCalls):
    """Reports checked against the reads they summarise, and the account's counts, materials and payments."""

    # Set by the workflow that mixes these rules in: its destroyed users, its live courses and direct
    # enrollments (a course made here is the workflow's, and it may later destroy it).
    gone: set[int]
    live_courses: set[int]
    direct: set[tuple[int, int]]

    def _csv(self, response: httpx.Response, call: str, what: str) -> list[dict[str, str]]:
        self.expect_status(response, 200, call, what)
        self.expect(
            response.headers.get("content-type", "").startswith("text/csv"), call, "a CSV file", response
        )
        return list(csv.DictReader(io.StringIO(response.text)))

    @precondition(writes_allowed)
    @rule(user=USERS, final=st.sampled_from(["passed", "failed", "in-progress"]), twin=st.booleans())
    def a_user_report_lists_the_users_courses_with_their_progress_status(
        self, user: int, final: str, twin: bool
    ) -> None:
        if user in self.gone:
            return
        # A course of the user's with a progress past not-started, so the statuses have something to say.
        course = self._enrolled_in_a_new_course(user, "Report course", "ok")
        self.live_courses.add(course)
        self.direct.add((user, course))
        listed = self._ok(
            self.post("get_course_progresses", course_id=course), "get_course_progresses", "the progress"
        )
        for found in listed:
            response = self.post("update_course_progress", course_progress_id=found["id"], set_status=final)
            self._ok(response, "update_course_progress", "success")
        call = "get_report" + ("Get" if twin else "")
        response = (self.get if twin else self.post)("get_report", report_type="single_user", user_id=user)
        rows = self._csv(response, call, "the user's report")
        courses = self._ok(self.post("get_user_courses", user_id=user), "get_user_courses", "the courses")
        progresses = self._ok(
            self.post("get_course_progresses", user_id=user), "get_course_progresses", "the progresses"
        )
        status = {int(p["course_id"]): p["status"] for p in progresses}
        self.expect(
            sorted(int(r["Course ID"]) for r in rows) == sorted(int(c["id"]) for c in courses),
            call,
            "the report lists the courses get_user_courses lists",
            response,
        )
        for row in rows:
            self.expect(
                row["Status"] == status.get(int(row["Course ID"])),
                call,
                f"course {row['Course ID']} reads {row['Status']!r}, get_course_progresses another status",
                response,
            )

    @precondition(writes_allowed)
    @rule()
    def an_async_report_completes_with_what_get_report_gives(self) -> None:
        response = self.post("generate_async_report", report_type="all_courses", format="csv")
        started = self._ok(response, "generate_async_report", "a status URL")
        self.expect(
            "get_async_report" in str(started.get("status_url")),
            "generate_async_report",
            "the status URL is get_async_report's",
            response,
        )
        report_id = started["report_id"]
        answer: dict[str, Any] = {}
        for _ in range(ASYNC_READS):
            response = self.post("get_async_report", report_id=report_id)
            answer = self._ok(response, "get_async_report", "the report's status")
            if answer.get("status") != "pending":
                break
        self.expect(answer.get("status") == "complete", "get_async_report", "the report completes", response)
        direct = self._csv(self.post("get_report", report_type="all_courses"), "get_report", "the report")
        kept = list(csv.DictReader(io.StringIO(str(answer.get("data")))))
        self.expect(kept == direct, "get_async_report", "the report's data is get_report's", response)

    @rule(data_type=st.sampled_from(["user_count", "course_count", "user_group_count"]))
    def get_data_counts_what_the_lists_hold(self, data_type: str) -> None:
        listing = {
            "user_count": "get_users",
            "course_count": "get_courses",
            "user_group_count": "get_user_groups",
        }
        response = self.post("get_data", data_type=data_type)
        counted = self._ok(response, "get_data", "a count")
        listed = self._ok(self.post(listing[data_type]), listing[data_type], "the list")
        self.expect(
            counted == {"data": str(len(listed))}, "get_data", f"{data_type} is the list's length", response
        )

    @rule(filters=PAYMENT_FILTERS, twin=st.booleans())
    def payments_come_newest_first_and_a_filter_keeps_only_what_matches(
        self, filters: dict[str, Any], twin: bool
    ) -> None:
        call = "get_payments" + ("Get" if twin else "")
        everything = self._ok(self.post("get_payments"), "get_payments", "the payments")
        response = (self.get if twin else self.post)("get_payments", **filters)
        found = self._ok(response, call, "the filtered payments")
        stamps = [p["created_at"] for p in found]
        self.expect(stamps == sorted(stamps, reverse=True), call, "newest first", response)
        ids = [p["id"] for p in found]
        self.expect(
            ids == [p["id"] for p in everything if p["id"] in set(ids)],
            call,
            "the filtered payments are the unfiltered ones, in the same order",
            response,
        )
        for name in ("status", "payment_type"):
            if name in filters:
                self.expect(
                    all(p[name] == filters[name] for p in found),
                    call,
                    f"every payment has that {name}",
                    response,
                )

    @rule()
    def every_saved_advanced_report_runs(self) -> None:
        response = self.post("get_saved_advanced_reports")
        listed = self._ok(response, "get_saved_advanced_reports", "the saved advanced reports")
        for saved in listed[:2]:
            response = self.post("get_saved_advanced_report", saved_advanced_report_id=saved["id"])
            self._csv(response, "get_saved_advanced_report", f"saved report {saved['id']}'s file")

    @rule()
    def the_program_and_materials_read(self) -> None:
        program = self._ok(self.post("get_program"), "get_program", "the account")
        self.expect(bool(program.get("name")), "get_program", "the account has a name")
        materials = self._ok(self.post("get_materials"), "get_materials", "the materials")
        self.expect(isinstance(materials, list), "get_materials", "a list of materials")
