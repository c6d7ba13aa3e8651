"""Coursepath's groups, programs, invites and create-and-add in the workflow model.

``CoursepathCalls`` is how the model calls a target and checks an answer; ``GroupRules`` holds the
groups, programs and invites a run made, and the rules that change and read them. ``CoursepathWorkflow``
(``coursepath``) mixes it in with the members and course members.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, precondition, rule

from .base import writes_allowed
from .coursepath_promises import CoursepathPromises

BASE = "/api/v1"
MEMBERS = Bundle("members")
GROUP_NAMES = st.sampled_from(["Navy", "Research", "Bletchley"])
SUBJECTS = st.sampled_from(["Welcome aboard", "Your training starts", None])
# The API cannot list programs: the sandbox's default scenario has this one. A target without it
# answers 404 (field programId) and the program rules stop there.
PROGRAM = "sandbox-program"
ALL = 1000  # the largest limit the document allows


class CoursepathCalls(CoursepathPromises):
    """How the Coursepath workflow calls a target, and checks an answer."""

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.call("GET", path, base_path=BASE, params=params)


class GroupRules(CoursepathCalls):
    """Groups by name, program members, invites (JSON and form), and create-and-add to a course."""

    # Set by the workflow that mixes these rules in.
    model_members: dict[str, dict[str, Any]]
    enrolled: set[tuple[str, str]]

    def __init__(self) -> None:
        super().__init__()
        self.member_groups: dict[str, list[str]] = {}
        self.in_program: set[str] = set()
        self.program_missing = False

    def _group(self, name: str) -> str:
        # Group names outlive a run on a shared target: each run gets its own.
        return f"{name}{self.nonce}"

    def _groups_of(self, member: str) -> list[str]:
        answer = self._ok(self.get(f"/members/{member}/groups", limit=ALL), 200, "listMemberGroups", "groups")
        return [str(g["name"]) for g in answer]

    # groups

    @precondition(writes_allowed)
    @rule(member=MEMBERS, name=GROUP_NAMES)
    def a_member_joins_a_group_by_name_and_it_lists_both_ways(self, member: str, name: str) -> None:
        group = self._group(name)
        mine = self.member_groups.setdefault(member, [])
        response = self.call("POST", f"/members/{member}/groups", base_path=BASE, json={"name": group})
        answer = self._ok(response, 200 if group in mine else 201, "addMemberGroup", "the group")
        self._same(answer, {"name": group}, "addMemberGroup", response)
        if group not in mine:
            mine.append(group)
        self.expect(
            self._groups_of(member) == mine,
            "listMemberGroups",
            f"member {member} is in {mine}, in the order she joined",
            response,
        )
        listed = self._ok(
            self.get(f"/groups/{answer['id']}/members", limit=ALL), 200, "listGroupMembers", "members"
        )
        expected = {m for m, names in self.member_groups.items() if group in names}
        self.expect(
            {str(m["id"]) for m in listed} >= expected,
            "listGroupMembers",
            f"group {group} lists {sorted(expected)}",
            response,
        )

    @precondition(lambda self: writes_allowed(self) and any(self.member_groups.values()))
    @rule(data=st.data())
    def leaving_a_group_by_name_leaves_the_others(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from(sorted(m for m, names in self.member_groups.items() if names)))
        group = data.draw(st.sampled_from(self.member_groups[member]))
        response = self.call("DELETE", f"/members/{member}/groups", base_path=BASE, params={"name": group})
        self.expect_status(response, 204, "removeMemberGroups", f"leaving {group}")
        self.member_groups[member].remove(group)
        again = self.call("DELETE", f"/members/{member}/groups", base_path=BASE, params={"name": group})
        self.expect_status(again, 404, "removeMemberGroups", f"leaving {group} again")
        self.expect(
            self._groups_of(member) == self.member_groups[member],
            "removeMemberGroups",
            f"member {member} is still in {self.member_groups[member]} only",
            response,
        )

    @precondition(writes_allowed)
    @rule(member=MEMBERS)
    def leaving_without_a_name_leaves_every_group(self, member: str) -> None:
        response = self.call("DELETE", f"/members/{member}/groups", base_path=BASE)
        self.expect_status(response, 204, "removeMemberGroups", "leaving every group")
        self.member_groups[member] = []
        self.expect(self._groups_of(member) == [], "removeMemberGroups", "in no group", response)

    # programs

    @precondition(lambda self: writes_allowed(self) and not self.program_missing)
    @rule(member=MEMBERS)
    def a_member_is_added_to_the_program_once(self, member: str) -> None:
        path = f"/programs/{PROGRAM}/members/{member}/programmember"
        response = self.call("POST", path, base_path=BASE)
        if response.status_code == 404 and _field(response) == "programId":
            self.program_missing = True  # the target has no such program: nothing to check
            return
        expected = 200 if member in self.in_program else 201
        answer = self._ok(response, expected, "addProgramMember", "the program member")
        self._same(
            answer,
            {"programId": PROGRAM, "memberId": member, "role": "learner"},
            "addProgramMember",
            response,
        )
        self.in_program.add(member)

    @precondition(writes_allowed)
    @rule(target=MEMBERS, stem=st.sampled_from(["emmy.noether", "lise.meitner"]))
    def create_and_add_to_the_program_makes_a_learner_there(self, stem: str) -> str:
        sent = {"email": f"{self.unique(stem)}@example.com", "externalId": self.unique("P-")}
        path, operation = f"/programs/{PROGRAM}/members", "createProgramMember"
        if self.program_missing:
            path, operation = "/members", "createMember"
        response = self.call("POST", path, base_path=BASE, json=sent)
        if (
            operation == "createProgramMember"
            and response.status_code == 404
            and _field(response) == "programId"
        ):
            self.program_missing = True  # the target has no such program: make the member without it
            path, operation = "/members", "createMember"
            response = self.call("POST", path, base_path=BASE, json=sent)
        made = self._ok(response, 201, operation, "the new member")
        self._same(made, sent, operation, response)
        member = str(made["id"])
        self.model_members[member] = {**sent, "company": None, "name": made["name"]}
        if operation == "createProgramMember":
            self.in_program.add(member)
            again = self.call("POST", f"/programs/{PROGRAM}/members/{member}/programmember", base_path=BASE)
            self.expect_status(again, 200, "addProgramMember", "a member create-and-add put in the program")
        return member

    @precondition(lambda self: writes_allowed(self) and bool(self.in_program))
    @rule(data=st.data())
    def a_member_removed_from_the_program_is_out_of_it(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from(sorted(self.in_program)))
        path = f"/programs/{PROGRAM}/members/{member}/programmember"
        response = self.call("DELETE", path, base_path=BASE)
        self.expect_status(response, 204, "removeProgramMember", "the removal")
        self.in_program.discard(member)
        again = self.call("DELETE", path, base_path=BASE)
        self.expect_status(again, 404, "removeProgramMember", "removing a member no longer in the program")

    # invites

    @precondition(writes_allowed)
    @rule(
        member=MEMBERS,
        subject=SUBJECTS,
        as_form=st.booleans(),
        where=st.sampled_from(["academy", "course", "program"]),
    )
    def an_invite_goes_to_the_member_with_the_overrides(
        self, member: str, subject: str | None, as_form: bool, where: str
    ) -> None:
        courses = sorted(c for c, m in self.enrolled if m == member)
        if where == "course" and courses:
            path, operation = f"/courses/{courses[0]}/members/{member}/invite", "inviteCourseMember"
        elif where == "program" and member in self.in_program:
            path, operation = f"/programs/{PROGRAM}/members/{member}/invite", "inviteProgramMember"
        else:
            path, operation = f"/members/{member}/invite", "inviteMember"
        sent: dict[str, Any] = {}
        if subject is not None and as_form:
            sent["data"] = {"mail[subject]": subject, "mail[action]": "Start"}
        elif subject is not None:
            sent["json"] = {"mail": {"subject": subject, "action": "Start"}}
        response = self.call("POST", path, base_path=BASE, **sent)
        answer = self._ok(response, 200, operation, "the invite")
        expected: dict[str, Any] = {"to": self.model_members[member]["email"], "memberId": member}
        if subject is not None:
            expected |= {"subject": subject, "action": "Start"}
        self._same(answer, expected, operation, response)
        self.expect(bool(answer.get("link")), operation, "the invite carries an activation link", response)

    # create-and-add

    @precondition(writes_allowed)
    @rule(target=MEMBERS, stem=st.sampled_from(["ada.byron", "mary.somerville"]))
    def create_and_add_to_a_course_makes_a_learner(self, stem: str) -> str:
        course = self._a_course()
        email = f"{self.unique(stem)}@example.com"
        sent = {"email": email, "company": "Navy", "externalId": self.unique("X-")}
        # A target without courses: the member is made all the same, in no course.
        path, operation = (
            ("/members", "createMember")
            if course is None
            else (f"/courses/{course}/members", "createCourseMember")
        )
        response = self.call("POST", path, base_path=BASE, json=sent)
        made = self._ok(response, 201, operation, "the new member")
        self._same(made, sent, operation, response)
        member = str(made["id"])
        self.model_members[member] = {**sent, "name": made["name"]}
        if course is None:
            return member
        self.enrolled.add((course, member))
        result = self.get(f"/courses/{course}/members/{member}/coursemember")
        self._same(
            self._ok(result, 200, "getCourseMember", "the new learner's result"),
            {"courseId": course, "memberId": member, "role": "learner"},
            "createCourseMember",
            response,
        )
        return member

    # provided by the workflow
    def _a_course(self) -> str | None:
        raise NotImplementedError


def _field(response: httpx.Response) -> Any:
    try:
        return response.json().get("field")
    except ValueError:
        return None
