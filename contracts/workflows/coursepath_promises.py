"""Coursepath's state promises, every one checked once per run whatever Hypothesis draws.

``CoursepathPromises.check_every_promise`` is the workflow's initial step (run in a run's first
example, and again until it passes): lists are walked in bounded pages that must cut the one-page list
in order, each page as long as the list leaves it; every answer is checked against its operation's
documented schema (errors against Coursepath's ``Error`` body). With writes allowed it makes a member
and a near miss (the same company, another department, an email and external id that contain the
member's), and checks that each lookup by email, external id and company/department finds exactly the
members it should, that an update shows in the read and the filters, that enrolling shows the course in
the member's courses and the member in the course's (with no result yet), that groups and the program
list and unlist the member, and that a removal is gone everywhere. Read-only, the lookups and lists are
checked on the target's own members.

Who is blamed: a read that answers another record than asked is the read's fault; a read that agrees
with the other reads but not with what a write answered is the write's.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import httpx
from hypothesis.stateful import initialize

from .base import CheckedWorkflow

BASE = "/api/v1"
ALL = 1000  # the largest limit the document allows
PAGES_WANTED = 4
UNKNOWN = "no-such-member-0"
PROGRAM = "sandbox-program"
# A new course member has no result yet.
NO_RESULT = {"role": "learner", "completed": None, "score": None, "success": None, "certificate": None}


class CoursepathPromises(CheckedWorkflow):
    """The initial step that checks Coursepath's state promises (see the module docstring)."""

    promises_checked: ClassVar[bool] = False

    def _read(self, path: str, **params: Any) -> httpx.Response:
        return self.call("GET", path, base_path=BASE, params=params)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.call(method, path, base_path=BASE, **kwargs)

    @initialize()
    def check_every_promise(self) -> None:
        if type(self).promises_checked:
            return
        courses = self._all("/courses", "listCourses")
        members = self._all("/members", "listMembers")
        for cid in list(courses)[:3]:
            response = self._read(f"/courses/{cid}")
            got = self.expect_answer(response, 200, "getCourse", f"course {cid}")
            self.expect_fields(got, courses[cid], "getCourse", "reads as listed", response)
        self.expect_error(self._read(f"/members/{UNKNOWN}"), 404, "getMember", "an unknown member")
        if self.writes_allowed:
            self._own_members(next(iter(courses), None))
        elif members:
            self._existing_member(members)
        type(self).promises_checked = True

    # --- lists -------------------------------------------------------------------------------

    def _all(self, path: str, operation: str, **params: Any) -> dict[str, dict[str, Any]]:
        """The records of a list by id, walked in a few bounded pages that must cut the one-page list."""
        whole = self._read(path, **params, limit=ALL)
        everything = self.expect_answer(whole, 200, operation, f"{path} {params or ''}")
        ids = [str(r["id"]) for r in everything]
        self.expect(
            len(ids) == len(set(ids)),
            operation,
            f"{path} lists {len(ids) - len(set(ids))} record(s) twice",
            whole,
        )
        size = max(2, math.ceil(len(ids) / PAGES_WANTED))

        def fetch(index: int) -> tuple[httpx.Response, list[str], bool]:
            response = self._read(path, **params, offset=index * size, limit=size)
            page = [str(r["id"]) for r in self.expect_answer(response, 200, operation, f"page {index}")]
            wanted = ids[index * size : (index + 1) * size]
            self.expect(
                len(page) <= size,
                operation,
                f"page {index} of {path} holds {len(page)}, more than limit={size}",
                response,
            )
            self.expect(
                page == wanted or len(ids) == ALL,
                operation,
                f"page {index} (offset {index * size}, limit {size}) is not that cut of the one-page list: "
                f"{len(page)} record(s), {len(wanted)} expected; first {page[:3]}, expected {wanted[:3]}",
                response,
            )
            return response, page, len(page) < size

        self.walk_pages(operation, fetch)
        return {str(r["id"]): r for r in everything}

    def _ids(self, path: str, operation: str, what: str, **params: Any) -> tuple[list[str], httpx.Response]:
        response = self._read(path, **params, limit=ALL)
        return [str(r["id"]) for r in self.expect_answer(response, 200, operation, what)], response

    def _lookup(self, wanted: list[str], what: str, **params: Any) -> None:
        ids, response = self._ids("/members", "listMembers", what, **params)
        self.expect_ids(ids, wanted, "listMembers", f"{params} ({what})", response)

    def _member_reads(self, member: str, expected: dict[str, Any], blamed: str) -> None:
        response = self._read(f"/members/{member}")
        self.expect(
            response.status_code != 404 or blamed == "getMember", blamed, f"no member {member}", response
        )
        got = self.expect_answer(response, 200, "getMember", f"member {member}")
        self.expect(
            str(got["id"]) == member,
            "getMember",
            f"asked for member {member}, answered {got['id']}",
            response,
        )
        self.expect_fields(got, expected, blamed, f"member {member} reads back", response)

    # --- what any target holds ---------------------------------------------------------------

    def _existing_member(self, members: dict[str, dict[str, Any]]) -> None:
        member, fields = next(iter(members.items()))
        self._member_reads(member, fields, "getMember")
        self._lookup(
            [m for m, r in members.items() if _same(r["email"], fields["email"])],
            "email",
            email=fields["email"],
        )
        courses = self._all(f"/members/{member}/courses", "listMemberCourses")
        for cid in list(courses)[:2]:
            result = self._read(f"/courses/{cid}/members/{member}/coursemember")
            got = self.expect_answer(result, 200, "getCourseMember", f"member {member}'s result in {cid}")
            self.expect_fields(
                got, {"courseId": cid, "memberId": member}, "getCourseMember", "the result", result
            )

    # --- the run's own members ---------------------------------------------------------------

    def _create(self, sent: dict[str, Any]) -> str:
        response = self._send("POST", "/members", json=sent)
        made = self.expect_answer(response, 201, "createMember", "a new member")
        self.expect_fields(made, sent, "createMember", "the new member", response)
        self._member_reads(str(made["id"]), sent, "createMember")
        return str(made["id"])

    def _own_members(self, course: str | None) -> None:
        stem = self.unique("wf.member")
        company = f"Workflow Engines {stem}"
        mine = {
            "email": f"{stem}@example.com",
            "externalId": f"EXT-{stem}",
            "company": company,
            "department": "Research",
        }
        # The near miss's email and external id contain the member's: a loose lookup answers both.
        near = {
            "email": f"near.{stem}@example.com",
            "externalId": f"EXT-{stem}.near",
            "company": company,
            "department": "Sales",
        }
        m, n = self._create(mine), self._create(near)
        for key in ("email", "externalId"):
            self._lookup([m], f"the member's {key}; near miss {n}", **{key: mine[key]})
            self._lookup([n], f"the near miss's {key}; near miss {m}", **{key: near[key]})
        self._lookup([m, n], "the run's company", company=company)
        self._lookup([m], "company and department", company=company, department="Research")
        self._lookup([n], "company and the other department", company=company, department="Sales")
        members = self._all("/members", "listMembers")
        self.expect_listing(members, "listMembers", "every page of members", present=[m, n])
        response = self._send("POST", f"/members/{m}", json={"department": "Support"})
        answer = self.expect_answer(response, 200, "updateMember", "an update of the department")
        mine["department"] = "Support"
        self.expect_fields(answer, mine, "updateMember", "the updated member (the rest kept)", response)
        self._member_reads(m, mine, "updateMember")
        self._member_reads(n, near, "updateMember")
        self._lookup([m], "the new department", company=company, department="Support")
        self._lookup([], "the old department", company=company, department="Research")
        self._groups(m, n)
        self._program(m)
        if course is not None:
            self._course_members(course, m, n)

    def _course_members(self, c: str, m: str, n: str) -> None:
        path = f"/courses/{c}/members/{m}/coursemember"
        response = self._send("POST", path)
        made = self.expect_answer(response, 201, "enrollCourseMember", "an enrollment")
        expected = {"courseId": c, "memberId": m, **NO_RESULT}
        self.expect_fields(
            made, expected, "enrollCourseMember", "a new course member, no result yet", response
        )
        result = self._read(path)
        self.expect(result.status_code != 404, "enrollCourseMember", f"{m} has no result in {c}", result)
        got = self.expect_answer(result, 200, "getCourseMember", "the new learner's result")
        self.expect(
            (got["courseId"], got["memberId"]) == (c, m),
            "getCourseMember",
            f"asked for {m} in {c}, answered {got['memberId']} in {got['courseId']}",
            result,
        )
        self.expect_fields(got, expected, "enrollCourseMember", "the result reads back", result)
        other = self._read(f"/courses/{c}/members/{n}/coursemember")
        self.expect_error(other, 404, "getCourseMember", f"member {n} is not in course {c}")
        again = self._send("POST", path)
        self.expect_fields(
            self.expect_answer(again, 200, "enrollCourseMember", "enrolling again"),
            expected,
            "enrollCourseMember",
            "enrolling again answers the result unchanged",
            again,
        )
        self._enrolled_lists(c, m, n, True, "enrollCourseMember")
        removed = self._send("DELETE", path)
        self.expect_answer(removed, 204, "removeCourseMember", "the removal")
        gone = self._read(path)
        self.expect(gone.status_code == 404, "removeCourseMember", f"{m} still has a result in {c}", gone)
        self.expect_error(gone, 404, "getCourseMember", "the result of a removed learner")
        self._enrolled_lists(c, m, n, False, "removeCourseMember")
        back = self._send("POST", path)
        self.expect_fields(
            self.expect_answer(back, 201, "enrollCourseMember", "enrolling again after the removal"),
            expected,
            "removeCourseMember",
            "after a removal, enrolling again starts with no result",
            back,
        )

    def _enrolled_lists(self, c: str, m: str, n: str, enrolled: bool, blamed: str) -> None:
        for member, wanted in ((m, [c] if enrolled else []), (n, [])):
            ids, response = self._ids(
                f"/members/{member}/courses", "listMemberCourses", "the member's courses"
            )
            # The near miss's list must stay empty whatever the write: the list's own fault.
            self.expect_ids(
                ids,
                wanted,
                blamed if member == m else "listMemberCourses",
                f"member {member}'s courses",
                response,
            )
        listed = self._all(f"/courses/{c}/members", "listCourseMembers")
        if enrolled:
            self.expect_listing(listed, blamed, f"course {c}'s members", present=[m])
        else:
            self.expect_listing(listed, blamed, f"course {c}'s members", absent=[m])
        self.expect_listing(listed, "listCourseMembers", f"course {c}'s members", absent=[n])

    def _groups(self, m: str, n: str) -> None:
        name = self.unique("Workflow Group ")
        response = self._send("POST", f"/members/{m}/groups", json={"name": name})
        group = self.expect_answer(response, 201, "addMemberGroup", "joining a new group")
        self.expect_fields(group, {"name": name}, "addMemberGroup", "the group", response)
        gid = str(group["id"])
        for member, wanted, blamed in ((m, [name], "addMemberGroup"), (n, [], "listMemberGroups")):
            listed = self._read(f"/members/{member}/groups", limit=ALL)
            names = [str(g["name"]) for g in self.expect_answer(listed, 200, "listMemberGroups", "groups")]
            self.expect(
                names == wanted, blamed, f"member {member}'s groups are {names}, expected {wanted}", listed
            )
        ids, listed = self._ids(f"/groups/{gid}/members", "listGroupMembers", "the group's members")
        self.expect_ids(ids, [m], "addMemberGroup", f"group {gid}'s members", listed)
        left = self._send("DELETE", f"/members/{m}/groups", params={"name": name})
        self.expect_answer(left, 204, "removeMemberGroups", "leaving the group")
        listed = self._read(f"/members/{m}/groups", limit=ALL)
        names = [str(g["name"]) for g in self.expect_answer(listed, 200, "listMemberGroups", "groups")]
        self.expect(names == [], "removeMemberGroups", f"member {m} is still in {names}", listed)
        ids, listed = self._ids(f"/groups/{gid}/members", "listGroupMembers", "the group's members")
        self.expect_ids(ids, [], "removeMemberGroups", f"group {gid}'s members after {m} left", listed)
        again = self._send("DELETE", f"/members/{m}/groups", params={"name": name})
        self.expect_error(again, 404, "removeMemberGroups", "leaving a group the member is not in")

    def _program(self, m: str) -> None:
        path = f"/programs/{PROGRAM}/members/{m}/programmember"
        response = self._send("POST", path)
        if response.status_code == 404:
            return  # the target has no such program (the API cannot list programs)
        expected = {"programId": PROGRAM, "memberId": m, "role": "learner"}
        made = self.expect_answer(response, 201, "addProgramMember", "adding to the program")
        self.expect_fields(made, expected, "addProgramMember", "the program member", response)
        again = self._send("POST", path)
        self.expect(
            again.status_code == 200, "addProgramMember", "the member is already in the program", again
        )
        self.expect_fields(
            self.expect_schema(again, "addProgramMember", "again"),
            expected,
            "addProgramMember",
            "unchanged",
            again,
        )
        removed = self._send("DELETE", path)
        self.expect_answer(removed, 204, "removeProgramMember", "the removal")
        twice = self._send("DELETE", path)
        self.expect(
            twice.status_code == 404, "removeProgramMember", "the member is still in the program", twice
        )
        self.expect_error(twice, 404, "removeProgramMember", "removing a member not in the program")


def _same(a: Any, b: Any) -> bool:
    """Whether two filter values match as Coursepath compares them (whole values, ignoring case)."""
    return str(a).casefold() == str(b).casefold()
