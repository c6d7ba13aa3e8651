"""Coursepath's documented behaviour as a state machine, checked against any target.

It never assumes seeded data: it creates the members it needs through the API (emails unique to the
run), and checks that a member reads back as created (a name derived from the email when none is
sent), that creating with an email in use answers that member unchanged, that an update changes only
what it names, that the list filters find matching members and no others, that enrolling gives a
course member and removing takes it (and the results) away, that pages partition the member list, and
that ``/members/me`` is the token's member; and (``coursepath_groups``) that groups, program members,
invites and create-and-add do what the reference says.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from .base import MAX_PAGES, id_diff, writes_allowed
from .coursepath_groups import ALL, BASE, MEMBERS, GroupRules

NAMES = st.sampled_from(["ada.lovelace", "grace.hopper", "alan.turing", "katherine.johnson"])
COMPANIES = st.sampled_from(["Analytical Engines", "Navy", "Bletchley"])
DEPARTMENTS = st.sampled_from(["Research", "Sales", None])
GIVE_NAME = st.booleans()
PAGE_SIZES = st.integers(min_value=3, max_value=12)


class CoursepathWorkflow(GroupRules):
    """Members and course members: create, read back, update, filter, enroll, remove, page, and me;
    with groups, programs, invites and create-and-add mixed in (``coursepath_groups``)."""

    api = "coursepath"

    members = MEMBERS

    def __init__(self) -> None:
        super().__init__()
        self.model_members: dict[str, dict[str, Any]] = {}
        self.enrolled: set[tuple[str, str]] = set()
        self.course: str | None = None

    def _a_course(self) -> str | None:
        if self.course is None:
            found = self._ok(self.get("/courses", limit=1), 200, "listCourses", "one course")
            self.course = str(found[0]["id"]) if found else None
        return self.course

    # members

    @precondition(writes_allowed)
    @rule(target=members, stem=NAMES, company=COMPANIES, department=DEPARTMENTS, give_name=GIVE_NAME)
    def create_a_member(self, stem: str, company: str, department: str | None, give_name: bool) -> str:
        email = f"{self.unique(stem)}@example.com"
        sent: dict[str, Any] = {"email": email, "company": company, "externalId": self.unique("X-")}
        if department is not None:
            sent["department"] = department
        if give_name:
            sent["name"] = "Given Name"
        response = self.call("POST", "/members", base_path=BASE, json=sent)
        made = self._ok(response, 201, "createMember", "the new member")
        self._same(made, sent, "createMember", response)
        if not give_name:
            first = stem.split(".")[0].capitalize()
            self.expect(
                isinstance(made.get("name"), str) and made["name"].startswith(first),
                "createMember",
                f"without a name, the name is derived from {email!r}",
                response,
            )
        member = str(made["id"])
        self.model_members[member] = {**sent, "name": made["name"]}
        return member

    @rule(member=members)
    def a_member_reads_back_as_written(self, member: str) -> None:
        response = self.get(f"/members/{member}")
        answer = self._ok(response, 200, "getMember", "the member made earlier")
        self.expect(answer.get("id") == member, "getMember", f"the id should be {member}", response)
        self._same(answer, self.model_members[member], "getMember", response)

    @precondition(writes_allowed)
    @rule(member=members, company=COMPANIES)
    def creating_with_an_email_in_use_answers_that_member_unchanged(self, member: str, company: str) -> None:
        email = self.model_members[member]["email"]
        response = self.call("POST", "/members", base_path=BASE, json={"email": email, "company": company})
        answer = self._ok(response, 200, "createMember", "the member already using the email")
        self.expect(answer.get("id") == member, "createMember", f"answers member {member}", response)
        self._same(answer, self.model_members[member], "createMember", response)

    @precondition(writes_allowed)
    @rule(member=members, department=st.sampled_from(["Research", "Sales", "Support"]))
    def an_update_changes_only_what_it_names(self, member: str, department: str) -> None:
        response = self.call("POST", f"/members/{member}", base_path=BASE, json={"department": department})
        self.model_members[member]["department"] = department
        answer = self._ok(response, 200, "updateMember", "the updated member")
        self._same(answer, self.model_members[member], "updateMember", response)
        again = self._ok(self.get(f"/members/{member}"), 200, "getMember", "the updated member")
        self._same(again, self.model_members[member], "updateMember", response)

    @rule(member=members, company=COMPANIES)
    def filters_find_the_matching_members_and_no_others(self, member: str, company: str) -> None:
        mine = self.model_members[member]
        for name in ("email", "externalId"):
            response = self.get("/members", **{name: mine[name]})
            found = [str(m["id"]) for m in self._ok(response, 200, "listMembers", f"members by {name}")]
            self.expect(
                found == [member], "listMembers", f"{name}={mine[name]!r} finds only {member}", response
            )
        response = self.get("/members", company=company, limit=ALL)
        listed = self._ok(response, 200, "listMembers", "members by company")
        ids = {str(m["id"]) for m in listed}
        matching = {m for m, fields in self.model_members.items() if fields["company"] == company}
        others = set(self.model_members) - matching
        self.expect(
            matching <= ids, "listMembers", f"company={company!r} lists {sorted(matching - ids)}", response
        )
        self.expect(
            not ids & others, "listMembers", f"company={company!r} lists {sorted(ids & others)}", response
        )
        self.expect(
            all(str(m.get("company", "")).casefold() == company.casefold() for m in listed),
            "listMembers",
            f"every member listed for company={company!r} has that company",
            response,
        )

    @rule(size=PAGE_SIZES)
    def pages_partition_the_member_list(self, size: int) -> None:
        everyone = [
            str(m["id"]) for m in self._ok(self.get("/members", limit=ALL), 200, "listMembers", "all")
        ]

        def fetch(index: int) -> tuple[httpx.Response, list[str], bool]:
            response = self.get("/members", offset=index * size, limit=size)
            page = self._ok(response, 200, "listMembers", f"the page at offset {index * size}")
            self.expect(len(page) <= size, "listMembers", f"a page holds at most {size}", response)
            return response, [str(m["id"]) for m in page], len(page) < size

        pages = self.walk_pages("listMembers", fetch, max_pages=MAX_PAGES)
        seen = pages.ids
        # A target too large for the page limit is checked as far as the walk read.
        wanted = everyone if pages.complete else everyone[: len(seen)]
        self.expect(seen == wanted, "listMembers", f"pages of {size}: {id_diff(wanted, seen)}", pages.last)
        if pages.complete:
            self.expect_listing(
                seen, "listMembers", "members made by the workflow", pages.last, present=self.model_members
            )

    @rule()
    def me_is_the_tokens_member(self) -> None:
        credential = self.target.credential or {}
        email = credential.get("email")
        response = self.get("/members/me")
        answer = self._ok(response, 200, "getMe", "the current member")
        if email:
            self.expect(
                str(answer.get("email", "")).casefold() == email.casefold(),
                "getMe",
                f"/members/me is {email}",
                response,
            )

    # course members

    @precondition(writes_allowed)
    @rule(member=members)
    def enrolling_gives_a_course_member(self, member: str) -> None:
        course = self._a_course()
        if course is None:
            return  # a target without courses: nothing to enroll in (courses are not created by the API)
        path = f"/courses/{course}/members/{member}/coursemember"
        response = self.call("POST", path, base_path=BASE)
        expected = 200 if (course, member) in self.enrolled else 201
        made = self._ok(response, expected, "enrollCourseMember", "the course member")
        self.enrolled.add((course, member))
        self._same(
            made, {"courseId": course, "memberId": member, "role": "learner"}, "enrollCourseMember", response
        )
        result = self._ok(self.get(path), 200, "getCourseMember", "the learner's result")
        self._same(result, {"courseId": course, "memberId": member}, "getCourseMember", response)
        courses = self._ok(
            self.get(f"/members/{member}/courses"), 200, "listMemberCourses", "the member's courses"
        )
        self.expect(
            course in {str(c["id"]) for c in courses}, "listMemberCourses", f"lists course {course}", response
        )
        listed = self._ok(
            self.get(f"/courses/{course}/members", limit=ALL), 200, "listCourseMembers", "members"
        )
        self.expect(
            member in {str(m["id"]) for m in listed}, "listCourseMembers", f"lists member {member}", response
        )

    @precondition(lambda self: writes_allowed(self) and bool(self.enrolled))
    @rule(data=st.data())
    def removing_takes_the_member_and_results_out_of_the_course(self, data: st.DataObject) -> None:
        course, member = data.draw(st.sampled_from(sorted(self.enrolled)))
        path = f"/courses/{course}/members/{member}/coursemember"
        response = self.call("DELETE", path, base_path=BASE)
        self.expect_status(response, 204, "removeCourseMember", "the removal")
        self.enrolled.discard((course, member))
        gone = self.get(path)
        self.expect_status(gone, 404, "getCourseMember", "the result of a removed learner")
        courses = self._ok(
            self.get(f"/members/{member}/courses"), 200, "listMemberCourses", "the member's courses"
        )
        self.expect(
            course not in {str(c["id"]) for c in courses},
            "listMemberCourses",
            f"course {course} is still listed after the removal",
            response,
        )
