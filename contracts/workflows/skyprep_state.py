"""SkyPrep's state promises, checked once per run in a fixed order, whatever Hypothesis draws.

``StateRules`` holds one initial step: against a target that takes writes it makes two users whose
emails differ by one character (a near miss of each other), two courses and a group, and walks them
through create, update, enrollment (direct and through the group), progress, a gamification
transaction, unenrollment and deletion. After each write, every read and list that should show it does,
in JSON and in XML, and those that should not (the near miss's, the other course's) do not; the
count get_data answers agrees with the list. A write the reads do not show is the write's failure; a
read that answers a record it must not is the read's. Read-only targets get the read checks only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import httpx
from hypothesis.stateful import initialize

from .skyprep_calls import SkyprepCalls

# Fields create_user and update_user take that get_user answers under the same name.
USER_FIELDS = ("first_name", "last_name", "email", "username", "role", "title")


class StateRules(SkyprepCalls):
    """Writes show in every read that should show them, and in no other; lookups by email find only theirs."""

    # Set once the promises held in a run (on the class ``bind`` makes per run): they are deterministic,
    # so later examples skip them. A failure leaves it unset, so Hypothesis' replay fails the same way.
    state_checked: ClassVar[bool] = False
    # The last list read, to reproduce a failure found in it.
    last_list: httpx.Response | None = None

    @initialize()
    def every_state_promise_holds(self) -> None:
        if type(self).state_checked:
            return
        self._lists_read_alike_in_json_and_xml()
        if self.writes_allowed:
            self._users_courses_groups_and_progress_keep_their_promises()
        type(self).state_checked = True

    # --- reads ----------------------------------------------------------------------------------

    def _listed(self, call: str, xml: bool = False, **params: Any) -> dict[int, dict[str, Any]]:
        """``call``'s list by id (checked against its XML answer when ``xml``)."""
        response = self.last_list = self.post(call, **params)
        answer = self._ok(response, call, "the list")
        if xml:
            self._xml_agrees(call, answer, **params)
        return {int(record["id"]): record for record in answer}

    def _lists_read_alike_in_json_and_xml(self) -> None:
        users = self._listed("get_users", xml=True)
        counted = self._ok(self.post("get_data", data_type="user_count"), "get_data", "the user count")
        self.expect(
            counted == {"data": str(len(users))},
            "get_data",
            f"user_count says {counted.get('data')!r}, get_users lists {len(users)}",
        )
        self._listed("get_courses", xml=True)
        self._listed("get_user_groups", xml=True)

    def _user_reads_back(self, uid: int, expected: dict[str, Any], blame: str) -> None:
        """``uid`` reads as ``expected`` by id and by email, POST and GET, JSON and XML; ``blame`` if not."""
        for call, response in (
            ("get_user", self.post("get_user", user_id=uid)),
            ("get_user", self.post("get_user", user_email=expected["email"])),
            ("get_userGet", self.get("get_user", user_email=expected["email"])),
        ):
            answer = self._ok(response, call, f"user {uid}")
            self.expect(
                answer.get("id") == uid,
                call,
                f"asked for user {uid} ({expected['email']}), answered user {answer.get('id')}",
                response,
            )
            self._same(answer, expected, blame, response)
        self._xml_agrees("get_user", answer, user_email=expected["email"])

    def _courses_of(self, uid: int, blame: str, want: set[int], xml: bool = False) -> None:
        response = self.post("get_user_courses", user_id=uid)
        answer = self._ok(response, "get_user_courses", f"user {uid}'s courses")
        self._ids_are(
            [int(c["id"]) for c in answer],
            want,
            f"user {uid}'s courses",
            response,
            missing=blame,
            unexpected=blame if not want else "get_user_courses",
        )
        if xml:
            self._xml_agrees("get_user_courses", answer, user_id=uid)

    def _status_is(self, uid: int, course: int, status: str, blame: str) -> None:
        response = self.post("get_user_course_status", user_id=uid, course_id=course)
        got = self._ok(response, "get_user_course_status", "a status").get("status")
        self.expect(
            got == status, blame, f"user {uid} in course {course} is {got!r}, not {status!r}", response
        )

    # --- writes ---------------------------------------------------------------------------------

    def _users_courses_groups_and_progress_keep_their_promises(self) -> None:
        stem = self.unique("nearmiss")
        users: dict[int, dict[str, Any]] = {}
        for letter in "ab":
            email = f"{stem}{letter}@example.com"
            sent = {
                "email": email,
                "first_name": "Ada",
                "last_name": "Near",
                "role": "learner",
                "title": "Tech",
            }
            response = self.post("create_user", **sent)
            made = self._ok(response, "create_user", "a new user")
            self._same(made, {**sent, "username": email}, "create_user", response)
            users[int(made["id"])] = {**sent, "username": email}
        one, other = users
        for uid, expected in users.items():
            self._user_reads_back(uid, expected, "create_user")
        listed = self._listed("get_users")
        self._ids_are(
            listed,
            users,
            "get_users",
            self.last_list,
            missing="create_user",
            unexpected="get_users",
            among=users,
        )
        for uid, expected in users.items():
            self._same(listed[uid], expected, "get_users", self.last_list)

        # An update by email changes that user only: its near miss keeps its fields.
        changes = {"first_name": "Grace", "title": "Lead"}
        response = self.post("update_user", user_email=users[other]["email"], **changes)
        users[other].update(changes)
        self._same(
            self._ok(response, "update_user", "the updated user"), users[other], "update_user", response
        )
        self._user_reads_back(other, users[other], "update_user")
        self._user_reads_back(one, users[one], "update_user")

        courses: list[int] = []
        for name in ("Alpha", "Beta"):
            response = self.post("create_course", name=self.unique(name), active="true")
            courses.append(int(self._ok(response, "create_course", "a new course")["id"]))
        direct, grouped = courses
        renamed = self.unique("Renamed")
        self._ok(self.post("update_course", course_id=direct, name=renamed), "update_course", "success")
        response = self.post("get_course", course_id=direct)
        read = self._ok(response, "get_course", "the course")
        self._same(read, {"id": direct, "name": renamed}, "update_course", response)
        self._xml_agrees("get_course", read, course_id=direct)
        listed_courses = self._listed("get_courses")
        self._ids_are(
            listed_courses,
            courses,
            "get_courses",
            response,
            missing="create_course",
            unexpected="get_courses",
            among=courses,
        )
        self._same(listed_courses[direct], {"name": renamed}, "update_course", response)

        response = self.post("create_user_group", name=self.unique("Near team"))
        group = int(self._ok(response, "create_user_group", "a new group")["id"])
        groups = self._listed("get_user_groups")
        self._ids_are(
            groups,
            [group],
            "get_user_groups",
            response,
            missing="create_user_group",
            unexpected="get_user_groups",
            among=[group],
        )

        # Direct enrollment by email: that user reaches the course, its near miss does not.
        self._ok(
            self.post("enroll_user_in_course", user_email=users[one]["email"], course_id=direct),
            "enroll_user_in_course",
            "success",
        )
        self._courses_of(one, "enroll_user_in_course", {direct}, xml=True)
        self._courses_of(other, "enroll_user_in_course", set())
        self._status_is(one, direct, "not_started", "enroll_user_in_course")
        self._status_is(other, direct, "not_enrolled", "enroll_user_in_course")
        response = self.post("get_course_progresses", course_id=direct)
        progresses = self._ok(response, "get_course_progresses", "the course's progresses")
        self._ids_are(
            [int(p["user_id"]) for p in progresses],
            [one],
            f"users with progress in course {direct}",
            response,
            missing="enroll_user_in_course",
            unexpected="get_course_progresses",
        )
        self._xml_agrees("get_course_progresses", progresses, course_id=direct)

        # Through the group: the member reaches the group's course, and the group reads its member.
        self._ok(
            self.post("enroll_user_in_user_group", user_id=other, user_group_id=group),
            "enroll_user_in_user_group",
            "success",
        )
        self._ok(
            self.post("add_course_to_user_group", user_group_id=group, course_id=grouped),
            "add_course_to_user_group",
            "success",
        )
        self._group_holds(group, {other}, [grouped], "enroll_user_in_user_group", "add_course_to_user_group")
        self._courses_of(other, "add_course_to_user_group", {grouped})
        self._courses_of(one, "enroll_user_in_user_group", {direct})
        response = self.post("get_course", course_id=grouped)
        self._same(
            self._ok(response, "get_course", "the course"),
            {"user_group_ids": [group]},
            "add_course_to_user_group",
            response,
        )
        for uid, want in ((other, [group]), (one, [])):
            response = self.post("get_user_group_enrollments_for_user", user_id=uid)
            answer = self._ok(response, "get_user_group_enrollments_for_user", "the user's groups")
            self._ids_are(
                [int(g["id"]) for g in answer],
                want,
                f"user {uid}'s groups",
                response,
                missing="enroll_user_in_user_group",
                unexpected="get_user_group_enrollments_for_user"
                if uid == one
                else "enroll_user_in_user_group",
            )

        self._progress_follows_its_updates(one, direct)
        self._a_transaction_moves_the_balance(one, other)

        # Undo: each removal takes the link away from every read, and only that link.
        self._ok(
            self.post("remove_user_from_course", user_id=one, course_id=direct),
            "remove_user_from_course",
            "success",
        )
        self._courses_of(one, "remove_user_from_course", set())
        self._status_is(one, direct, "not_enrolled", "remove_user_from_course")
        self._courses_of(other, "remove_user_from_course", {grouped})
        self._ok(
            self.post("remove_user_from_user_group", user_id=other, user_group_id=group),
            "remove_user_from_user_group",
            "success",
        )
        self._group_holds(
            group, set(), [grouped], "remove_user_from_user_group", "remove_user_from_user_group"
        )
        self._courses_of(other, "remove_user_from_user_group", set())
        self._ok(
            self.post("remove_course_from_user_group", user_group_id=group, course_id=grouped),
            "remove_course_from_user_group",
            "success",
        )
        self._group_holds(group, set(), [], "remove_course_from_user_group", "remove_course_from_user_group")

        # Deletes: gone from every read (a 404 in SkyPrep's error body) and list; the near miss stays.
        self._destroyed(
            "destroy_user",
            {"user_email": users[other]["email"]},
            "get_user",
            "the destroyed user",
            user_id=other,
        )
        self._refused(
            self.post("get_user", user_email=users[other]["email"]),
            404,
            "destroy_user",
            "the destroyed user",
            "get_user",
        )
        self._user_reads_back(one, users[one], "destroy_user")
        self._lists_only("get_users", [one], users, "destroy_user")
        self._destroyed("destroy_course", {"course_id": direct}, "get_course", "the destroyed course")
        self._lists_only("get_courses", [grouped], courses, "destroy_course")
        self._destroyed(
            "destroy_user_group", {"user_group_id": group}, "get_user_group", "the destroyed group"
        )
        self._lists_only("get_user_groups", [], [group], "destroy_user_group")
        self._lists_read_alike_in_json_and_xml()

    def _lists_only(self, call: str, want: Iterable[int], among: Iterable[int], blame: str) -> None:
        """``call``'s list holds ``want`` and no other id of ``among`` (else ``blame`` is at fault)."""
        listed = self._listed(call)
        self._ids_are(listed, want, call, self.last_list, missing=blame, unexpected=blame, among=among)

    def _group_holds(
        self, group: int, members: set[int], courses: list[int], joined: str, added: str
    ) -> None:
        response = self.post("get_user_group", user_group_id=group)
        read = self._ok(response, "get_user_group", "the group")
        self._ids_are(
            [int(u["id"]) for u in read["users"]],
            members,
            f"group {group}'s users",
            response,
            missing=joined,
            unexpected=joined,
        )
        self._same(read, {"course_ids": courses}, added, response)
        self._xml_agrees("get_user_group", read, user_group_id=group)

    def _progress_follows_its_updates(self, uid: int, course: int) -> None:
        """passed sets both dates, not-started clears them; status filters and the user's status follow."""
        response = self.post("get_course_progresses", user_id=uid)
        (progress,) = [
            p
            for p in self._ok(response, "get_course_progresses", "the progresses")
            if p["course_id"] == course
        ]
        pid = int(progress["id"])
        for status, dated in (("passed", True), ("not-started", False)):
            call = "update_course_progress"
            self._ok(self.post(call, course_progress_id=pid, set_status=status), call, "success")
            response = self.post("get_course_progress", course_progress_id=pid)
            read = self._ok(response, "get_course_progress", "the progress")
            self._same(read, {"id": pid, "status": status}, call, response)
            for field in ("commencement_date", "completion_date"):
                self.expect(
                    (read.get(field) is not None) == dated,
                    call,
                    f"{status} should {'set' if dated else 'clear'} {field}, which is {read.get(field)!r}",
                    response,
                )
            self._xml_agrees("get_course_progress", read, course_progress_id=pid)
            self._status_is(uid, course, status.replace("-", "_"), call)
            for asked in ("passed", "not-started"):
                response = self.post("get_course_progresses", course_id=course, status=asked)
                found = self._ok(response, "get_course_progresses", "a filtered list")
                self._ids_are(
                    [int(p["id"]) for p in found],
                    [pid] if asked == status else [],
                    f"progresses of course {course} with status {asked}",
                    response,
                    missing=call,
                    unexpected="get_course_progresses" if asked != status else call,
                )

    def _a_transaction_moves_the_balance(self, uid: int, other: int) -> None:
        call = "get_user_gamification_balance"
        before = {
            u: self._ok(self.post(call, user_id=u), call, "a balance")["gamification_balance"]
            for u in (uid, other)
        }
        write = "create_gamification_transaction"
        response = self.post(write, user_id=uid, amount=7, description=self.unique("points"))
        self._same(
            self._ok(response, write, "the transaction"),
            {"user_id": uid, "amount": 7, "balance": before[uid] + 7},
            write,
            response,
        )
        for u, moved in ((uid, 7), (other, 0)):
            response = self.post(call, user_id=u)
            got = self._ok(response, call, "a balance")["gamification_balance"]
            self.expect(
                got == before[u] + moved,
                write,
                f"user {u}'s balance is {got}, not {before[u]} + {moved}",
                response,
            )
