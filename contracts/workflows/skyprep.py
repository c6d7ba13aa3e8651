"""SkyPrep's documented behaviour as a state machine, checked against any target.

It never reads a store: it creates the users it needs through the API (emails unique to the run), and
checks what it made reads back the same by id and by email, through POST and its GET twin; that an
update changes only what it names; that a destroyed user is gone from reads and lists; and that a
power user's role and datasets show in get_power_users until destroy_power_user takes them away.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, precondition, rule

from .base import Workflow, writes_allowed

BASE = "/admin/api"
NAMES = st.sampled_from(["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret"])
ROLES = st.sampled_from(["learner", "admin", "manager"])
TITLES = st.sampled_from(["Detective", "Analyst", "Lab Tech", "Sergeant"])
# Fields create_user and update_user take that get_user answers under the same name.
COMPARED = ("first_name", "last_name", "email", "username", "role", "title", "card_no")


class SkyprepWorkflow(Workflow):
    """Users and power users: create, read by id/email and by GET twin, update, list, destroy."""

    api = "skyprep"

    users = Bundle("users")

    def __init__(self) -> None:
        super().__init__()
        self.model_users: dict[int, dict[str, Any]] = {}
        self.gone: set[int] = set()

    def post(self, call: str, **params: Any) -> httpx.Response:
        return self.call("POST", f"/{call}", base_path=BASE, json=params)

    def get(self, call: str, **params: Any) -> httpx.Response:
        return self.call("GET", f"/{call}", base_path=BASE, params=params)

    def _ok(self, response: httpx.Response, call: str, what: str) -> Any:
        self.expect_status(response, 200, call, what)
        return response.json()

    def _same(
        self, answer: dict[str, Any], expected: dict[str, Any], call: str, response: httpx.Response
    ) -> None:
        for name, value in expected.items():
            self.expect(
                answer.get(name) == value,
                call,
                f"{name} should be {value!r}, not {answer.get(name)!r}",
                response,
            )

    # connection

    @rule()
    def the_connection_is_tested(self) -> None:
        response = self.post("test_connection")
        self.expect(
            self._ok(response, "test_connection", "test_connection") == {"message": "success"},
            "test_connection",
            'answers {"message": "success"}',
            response,
        )

    @rule()
    def every_documented_call_is_available(self) -> None:
        response = self.post("available_api_calls")
        listed = self._ok(response, "available_api_calls", "available_api_calls")
        documented = {
            "test_connection",
            "get_users",
            "get_user",
            "create_user",
            "update_user",
            "destroy_user",
        }
        self.expect(
            isinstance(listed, list) and documented <= set(listed),
            "available_api_calls",
            "lists the documented calls",
            response,
        )

    # users

    @precondition(writes_allowed)
    @rule(target=users, first=NAMES, last=NAMES, role=ROLES, title=TITLES)
    def create_a_user(self, first: str, last: str, role: str, title: str) -> int:
        email = f"{self.unique(first.lower())}@example.com"
        sent = {"email": email, "first_name": first, "last_name": last, "role": role, "title": title}
        response = self.post("create_user", **sent)
        made = self._ok(response, "create_user", "a new user")
        self._same(made, {**sent, "username": email}, "create_user", response)
        uid = int(made["id"])
        self.model_users[uid] = {**sent, "username": email}
        return uid

    @rule(user=users, by_email=st.booleans(), twin=st.booleans())
    def a_user_reads_back_by_id_or_email_through_either_method(
        self, user: int, by_email: bool, twin: bool
    ) -> None:
        if user in self.gone:
            return
        expected = self.model_users[user]
        key = {"user_email": expected["email"]} if by_email else {"user_id": user}
        response = (self.get if twin else self.post)("get_user", **key)
        call = "get_userGet" if twin else "get_user"
        answer = self._ok(response, call, "the user made earlier")
        self.expect(answer.get("id") == user, call, f"the id should be {user}", response)
        self._same(answer, expected, call, response)

    @precondition(writes_allowed)
    @rule(user=users, title=TITLES, role=ROLES)
    def an_update_changes_only_what_it_names(self, user: int, title: str, role: str) -> None:
        if user in self.gone:
            return
        response = self.post("update_user", user_id=user, title=title, role=role)
        self._ok(response, "update_user", "the updated user")
        self.model_users[user].update(title=title, role=role)
        self._same(response.json(), self.model_users[user], "update_user", response)
        again = self.post("get_user", user_id=user)
        self._same(
            self._ok(again, "get_user", "the updated user"), self.model_users[user], "update_user", again
        )

    @rule()
    def the_user_list_holds_every_user_as_it_reads(self) -> None:
        response = self.post("get_users")
        listed = {int(u["id"]): u for u in self._ok(response, "get_users", "the users")}
        for uid, expected in self.model_users.items():
            if uid in self.gone:
                self.expect(uid not in listed, "get_users", f"destroyed user {uid} is still listed", response)
            else:
                self.expect(uid in listed, "get_users", f"user {uid} is missing", response)
                self._same(listed[uid], expected, "get_users", response)

    @precondition(writes_allowed)
    @rule(user=consumes(users))
    def a_destroyed_user_is_gone(self, user: int) -> None:
        if user in self.gone:
            return
        response = self.post("destroy_user", user_id=user)
        self.expect(
            self._ok(response, "destroy_user", "success") == {"message": "success"},
            "destroy_user",
            "answers success",
            response,
        )
        self.gone.add(user)
        self.expect_status(
            self.post("get_user", user_id=user), 404, "destroy_user", "the destroyed user reads 404"
        )

    # power users

    @precondition(writes_allowed)
    @rule(user=users)
    def a_power_user_gets_a_role_and_datasets_until_destroyed(self, user: int) -> None:
        if user in self.gone:
            return
        roles = self._ok(self.post("get_user_roles"), "get_user_roles", "the roles")
        datasets = self._ok(self.post("get_datasets"), "get_datasets", "the datasets")
        if not roles or not datasets:
            return
        role, chosen = int(roles[0]["id"]), sorted(int(d["id"]) for d in datasets[:2])
        response = self.post(
            "create_or_update_power_users",
            user_ids=str(user),
            user_role_id=role,
            dataset_ids=",".join(map(str, chosen)),
        )
        (made,) = self._ok(response, "create_or_update_power_users", "the power user")
        permissions = {"user_role_id": role, "dataset_ids": chosen}
        self.expect(
            made.get("role") == "power_user" and made.get("permissions") == permissions,
            "create_or_update_power_users",
            f"role power_user with {permissions}",
            response,
        )
        listed = self._ok(self.post("get_power_users"), "get_power_users", "the power users")
        self.expect(
            user in {int(u["id"]) for u in listed}, "get_power_users", f"user {user} is missing", response
        )
        destroyed = self.post("destroy_power_user", user_id=user)
        self._ok(destroyed, "destroy_power_user", "success")
        after = self._ok(self.post("get_power_users"), "get_power_users", "the power users")
        self.expect(
            user not in {int(u["id"]) for u in after},
            "destroy_power_user",
            f"user {user} is still a power user",
            destroyed,
        )
        self.model_users[user]["role"] = "learner"
        self._same(
            self._ok(self.post("get_user", user_id=user), "get_user", "the user"),
            self.model_users[user],
            "destroy_power_user",
            destroyed,
        )
