"""SkyPrep's balances, OTP keys and manager permissions in the workflow model.

``RewardRules`` holds the rules; ``SkyprepWorkflow`` (``skyprep``) mixes them in with its users.
Balances: after every gamification or skill transaction, the answer's balance and the balance read back
equal the sum the model keeps (starting from what the target reads before the first one), and a deduction
below 0 is refused (409, a conflict with the balance) and changes nothing. The API cannot make a skill,
so a skill rule uses one the target lists and does nothing without one. OTP keys: a course's keys are
single-use and stop working while its ``subscribe_key`` differs from the one they were made with.
Redeeming goes through the sandbox's self-enrollment page (the doc names none), so that part runs only
against a sandbox.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from .base import Workflow, writes_allowed
from .skyprep_calls import SkyprepCalls
from .skyprep_paths import USERS

AMOUNTS = st.lists(st.integers(min_value=-300, max_value=500).filter(bool), min_size=1, max_size=4)
PERMISSIONS = (
    "can_add_users",
    "can_receive_notifications",
    "can_edit_course_progress",
    "can_remove_users",
    "can_add_exisiting_users",
    "can_manage_all_group_users_courses",
    "can_add_courses_to_user_group",
    "can_remove_courses_from_user_group",
    "can_edit_user_password",
)
ENROLL_PAGE = "/account/enroll"


def against_a_sandbox(machine: Workflow) -> bool:
    return machine.target.is_sandbox and machine.target.allow_writes


class RewardRules(SkyprepCalls):
    """Gamification and skill balances, OTP keys and manager permissions, each checked within a rule."""

    # Set by the workflow that mixes these rules in.
    model_users: dict[int, dict[str, Any]]
    gone: set[int]

    def __init__(self) -> None:
        super().__init__()
        # user -> gamification points, and (user, skill) -> skill points, as this run moved them.
        self.points: dict[int, int] = {}
        self.skill_points: dict[tuple[int, int], int] = {}

    def _gamification_balance(self, user: int) -> int:
        call = "get_user_gamification_balance"
        answer = self._ok(self.post(call, user_id=user), call, "the user's balance")
        return int(answer["gamification_balance"])

    @precondition(writes_allowed)
    @rule(user=USERS, amounts=AMOUNTS)
    def gamification_balances_are_the_sums_of_transactions(self, user: int, amounts: list[int]) -> None:
        if user in self.gone:
            return
        expected = self.points.get(user)
        if expected is None:
            expected = self._gamification_balance(user)
        call = "create_gamification_transaction"
        for amount in amounts:
            response = self.post(call, user_id=user, amount=amount, description=self.unique("points"))
            if expected + amount < 0:
                self.expect_status(response, 409, call, f"a deduction of {-amount} from {expected} points")
                continue
            expected += amount
            made = self._ok(response, call, "a new transaction")
            self._same(made, {"user_id": user, "amount": amount, "balance": expected}, call, response)
        self.points[user] = expected
        response = self.post("get_user_gamification_balance", user_id=user)
        self.expect(
            response.status_code == 200 and response.json() == {"gamification_balance": expected},
            "get_user_gamification_balance",
            f"the balance should be the sum of the transactions, {expected}",
            response,
        )

    @precondition(writes_allowed)
    @rule(user=USERS, amounts=AMOUNTS, pick=st.integers(min_value=0, max_value=7))
    def skill_balances_are_the_sums_of_transactions(self, user: int, amounts: list[int], pick: int) -> None:
        if user in self.gone:
            return
        skills = self._ok(self.post("get_skills"), "get_skills", "the skills")
        if not skills:
            return
        skill = int(skills[pick % len(skills)]["id"])
        key = (user, skill)
        if key not in self.skill_points:
            self.skill_points[key] = self._skill_balance(user, skill)
        call = "create_skill_transaction"
        for amount in amounts:
            response = self.post(call, user_id=user, skill_id=skill, amount=amount)
            if self.skill_points[key] + amount < 0:
                self.expect_status(response, 409, call, "a deduction below 0 points in the skill")
                continue
            self.skill_points[key] += amount
            answer = self._ok(response, call, "the user's skill balances")
            shown = {int(b["skill_id"]): b["balance"] for b in answer}
            self.expect(
                shown.get(skill) == self.skill_points[key],
                call,
                f"the balance in skill {skill} should be {self.skill_points[key]}",
                response,
            )
        self.expect(
            self._skill_balance(user, skill) == self.skill_points[key],
            "get_user_skill_balances_and_competencies",
            f"the balance in skill {skill} should be the sum of the transactions, {self.skill_points[key]}",
        )
        details = self._ok(self.post("get_skill", skill_id=skill), "get_skill", "the skill")["details"]
        board = details["leaderboard"]
        balances = [entry["balance"] for entry in board]
        self.expect(
            balances == sorted(balances, reverse=True), "get_skill", "the leaderboard is highest first"
        )
        listed = {int(entry["user_id"]): entry["balance"] for entry in board}
        want = self.skill_points[key]
        self.expect(
            listed.get(user) == (want if want > 0 else None),
            "get_skill",
            f"the leaderboard should show user {user} at {want} (only balances above 0)",
        )

    def _skill_balance(self, user: int, skill: int) -> int:
        call = "get_user_skill_balances_and_competencies"
        answer = self._ok(self.post(call, user_id=user), call, "the user's balances")
        return next((int(b["balance"]) for b in answer["skill_balances"] if int(b["skill_id"]) == skill), 0)

    @precondition(against_a_sandbox)
    @rule(user=USERS, other=USERS)
    def an_otp_key_enrolls_once_and_only_while_the_subscribe_key_is_unchanged(
        self, user: int, other: int
    ) -> None:
        if user in self.gone or other in self.gone or user == other:
            return
        made = self._ok(
            self.post("create_course", name=self.unique("OTP course")), "create_course", "a course"
        )
        course, original = int(made["id"]), str(made["subscribe_key"])
        keys = self._ok(self.post("get_course_otp", course_id=course, count=2), "get_course_otp", "two keys")
        self.expect(len(set(keys)) == 2, "get_course_otp", "answers as many distinct keys as asked")
        first, second = keys
        emails = {uid: self.model_users[uid]["email"] for uid in (user, other)}

        def redeem(key: str, uid: int) -> int:
            params = {"course_id": course, "otp_key": key, "user_email": emails[uid]}
            return self.call("GET", ENROLL_PAGE, params=params).status_code

        self.expect(redeem(first, user) == 200, "get_course_otp", "a fresh key enrolls the user")
        status = self._ok(
            self.post("get_user_course_status", user_id=user, course_id=course),
            "get_user_course_status",
            "status",
        )
        self.expect(status == {"status": "not_started"}, "get_course_otp", "the key's user is enrolled")
        self.expect(redeem(first, other) == 404, "get_course_otp", "a used key does not work again")
        self._ok(
            self.post("update_course", course_id=course, subscribe_key=self.unique("k")),
            "update_course",
            "ok",
        )
        self.expect(
            redeem(second, other) == 404, "get_course_otp", "a new subscribe_key invalidates the keys"
        )
        self._ok(self.post("update_course", course_id=course, subscribe_key=original), "update_course", "ok")
        self.expect(
            redeem(second, other) == 200, "get_course_otp", "reverting the subscribe_key revives them"
        )
        status = self._ok(
            self.post("get_user_course_status", user_id=other, course_id=course),
            "get_user_course_status",
            "status",
        )
        self.expect(
            status == {"status": "not_started"}, "get_course_otp", "the second key's user is enrolled"
        )
        self._ok(self.post("destroy_course", course_id=course), "destroy_course", "success")

    @precondition(writes_allowed)
    @rule(flags=st.lists(st.sampled_from(PERMISSIONS), unique=True, max_size=3), value=st.booleans())
    def a_managers_permissions_read_back_until_removed(self, flags: list[str], value: bool) -> None:
        email = f"{self.unique('manager')}@example.com"
        made = self._ok(self.post("create_user", email=email, role="manager"), "create_user", "a manager")
        user = int(made["id"])
        group = int(
            self._ok(
                self.post("create_user_group", name=self.unique("Team")), "create_user_group", "a group"
            )["id"]
        )
        link = {"user_id": user, "user_group_id": group}
        call = "assign_manager_to_user_group"
        sent = dict.fromkeys(flags, value)
        response = self.post(call, **link, **{k: "1" if v else "0" for k, v in sent.items()})
        assigned = self._ok(response, call, "the manager's permissions")
        self._same(assigned, sent, call, response)
        self.expect(
            assigned.get("user", {}).get("id") == user and assigned.get("user_group", {}).get("id") == group,
            call,
            "answers the user and the group",
            response,
        )
        self.expect_status(self.post(call, **link), 409, call, "assigning the same manager twice")
        read_call = "get_manager_permissions_from_user_group"
        response = self.get(read_call, **link)
        self.expect(response.json() == assigned, read_call + "Get", "reads back as assigned", response)
        flipped = {name: not assigned[name] for name in PERMISSIONS[:2]}
        call = "update_manager_permissions_in_user_group"
        response = self.post(call, **link, **flipped)
        self.expect(
            response.status_code == 200 and response.json() == {**assigned, **flipped},
            call,
            "only the permissions sent change",
            response,
        )
        self._ok(
            self.post("remove_manager_from_user_group", **link), "remove_manager_from_user_group", "success"
        )
        self.expect_status(self.post(read_call, **link), 404, read_call, "a removed manager's permissions")
        self._ok(self.post("assign_manager_to_user_group", **link), "assign_manager_to_user_group", "again")
        self._ok(self.post("destroy_user_group", user_group_id=group), "destroy_user_group", "success")
        self.expect_status(self.post(read_call, **link), 404, read_call, "a destroyed group's managers")
        self._ok(self.post("destroy_user", user_id=user), "destroy_user", "success")
