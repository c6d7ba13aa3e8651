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
with ``cancelSession`` (the course and enrollment rules are in ``absorb_enrollments``). Filters are
checked against the workflow's own users that must not match (a custom field, ``guid'..'`` literals,
``substringof``/``startswith``/``endswith``/``tolower``, a filter and its negation partitioning the
list), and pages partition plain, filtered, searched and sorted lists.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from .absorb_enrollments import PAGE_SIZES, USERS, EnrollmentRules
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


class AbsorbWorkflow(EnrollmentRules):
    """Users and departments: create, read back, update partially, list, page, and the learner's refusal."""

    api = "absorb"

    users = USERS

    def __init__(self) -> None:
        super().__init__()
        self.model_users: dict[str, dict[str, Any]] = {}

    def _same(
        self, answer: dict[str, Any], expected: dict[str, Any], operation: str, response: httpx.Response
    ) -> None:
        # Only the custom fields the model set are compared: the user may hold others.
        if "customFields" in expected:
            held = answer.get("customFields") or {}
            answer = {
                **answer,
                "customFields": {k: v for k, v in held.items() if k in expected["customFields"]},
            }
        super()._same(answer, expected, operation, response)

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
        self.expect_all_read(
            pages,
            total,
            operation,
            f"{total} {key} over pages of {size}, read {len(pages.ids)} ({params or 'no filter'})",
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
