"""SkyPrep's documented behaviour as a state machine, checked against any target.

It never reads a store: it creates the users it needs through the API (emails unique to the run), and
checks what it made reads back the same by id and by email, through POST and its GET twin; that an
update changes only what it names; that a destroyed user is gone from reads and lists; and that a
power user's role and datasets show in get_power_users until destroy_power_user takes them away.

The enrollment graph: it makes its own courses, user groups and learning paths, enrolls its users
directly, through groups and through paths (mass_enroll's course bundles, or a group added to a path),
and checks that get_user_courses, get_user_course_status and the group and path reads agree with its
model of the graph after every change: removals undo, and destroyed courses, groups, paths and users
take their links with them.

Instructor-led trainings: a timeslot it makes holds the registration it makes until it deletes it.
Course progress: a user it enrolls in a course it makes has a not-started progress, which follows
update_course_progress (reads, filters and get_user_course_status agree) until the course is destroyed.
Balances, OTP keys and manager permissions (``skyprep_rewards``): a gamification or skill balance is the
sum of its transactions; an OTP key enrolls once, and only while the course keeps its subscribe key; a
manager's permissions read back as assigned and updated until removed.

Reports: a user's report agrees with get_user_courses and get_course_progresses, an asynchronous report
completes with get_report's data, get_data counts the lists, payments come newest first and filtered.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import consumes, precondition, rule

from .base import writes_allowed
from .skyprep_paths import COURSES, GROUPS, PATHS, TOPICS, USERS, LearningPathRules
from .skyprep_progress import ProgressRules
from .skyprep_reports import ReportRules
from .skyprep_rewards import RewardRules
from .skyprep_state import StateRules

NAMES = st.sampled_from(["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret"])
ROLES = st.sampled_from(["learner", "admin", "manager"])
TITLES = st.sampled_from(["Detective", "Analyst", "Lab Tech", "Sergeant"])
# Fields create_user and update_user take that get_user answers under the same name.
COMPARED = ("first_name", "last_name", "email", "username", "role", "title", "card_no")


class SkyprepWorkflow(StateRules, LearningPathRules, ProgressRules, RewardRules, ReportRules):
    """Users and power users (create, read, update, list, destroy), the enrollment graph, balances, OTP keys,
    manager permissions and reports."""

    api = "skyprep"

    users = USERS
    courses = COURSES
    groups = GROUPS
    paths = PATHS

    def __init__(self) -> None:
        super().__init__()
        self.model_users: dict[int, dict[str, Any]] = {}
        self.gone: set[int] = set()
        # The enrollment graph as this run made it: (user, course), (group, user), (group, course).
        self.live_courses: set[int] = set()
        self.live_groups: set[int] = set()
        self.direct: set[tuple[int, int]] = set()
        self.members: set[tuple[int, int]] = set()
        self.held: set[tuple[int, int]] = set()

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
        self._forget(user=user)
        self._refused(
            self.post("get_user", user_id=user),
            404,
            "destroy_user",
            "the destroyed user reads 404",
            "get_user",
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

    # the enrollment graph

    def _reached(self, user: int) -> set[int]:
        """The courses ``user`` reaches in the model: directly, through a group, or through a path."""
        groups = {g for g, u in self.members if u == user}
        return (
            {c for u, c in self.direct if u == user}
            | {c for g, c in self.held if g in groups}
            | self.path_reach(user, groups)
        )

    def _forget(
        self,
        *,
        user: int | None = None,
        course: int | None = None,
        group: int | None = None,
        path: int | None = None,
    ) -> None:
        self.direct = {(u, c) for u, c in self.direct if u != user and c != course}
        self.members = {(g, u) for g, u in self.members if u != user and g != group}
        self.held = {(g, c) for g, c in self.held if c != course and g != group}
        self.forget_path_links(user=user, course=course, group=group, path=path)

    @precondition(writes_allowed)
    @rule(target=courses, topic=TOPICS)
    def create_a_course(self, topic: str) -> int:
        response = self.post("create_course", name=self.unique(topic), active="true")
        made = self._ok(response, "create_course", "a new course")
        self.expect(made.get("active") is True, "create_course", 'active "true" reads true', response)
        cid = int(made["id"])
        self.live_courses.add(cid)
        return cid

    @precondition(writes_allowed)
    @rule(target=groups, topic=TOPICS)
    def create_a_user_group(self, topic: str) -> int:
        response = self.post("create_user_group", name=self.unique(f"{topic} team"))
        made = self._ok(response, "create_user_group", "a new user group")
        self.expect(
            made.get("users") == [] and made.get("course_ids") == [],
            "create_user_group",
            "a new group holds no users and no courses",
            response,
        )
        gid = int(made["id"])
        self.live_groups.add(gid)
        return gid

    @precondition(writes_allowed)
    @rule(user=users, course=courses, by_email=st.booleans())
    def a_user_is_enrolled_directly(self, user: int, course: int, by_email: bool) -> None:
        if user in self.gone or course not in self.live_courses:
            return
        who = {"user_email": self.model_users[user]["email"]} if by_email else {"user_id": user}
        self._ok(
            self.post("enroll_user_in_course", course_id=course, **who), "enroll_user_in_course", "success"
        )
        self.direct.add((user, course))

    @precondition(writes_allowed)
    @rule(user=users, group=groups)
    def a_user_joins_a_group(self, user: int, group: int) -> None:
        if user in self.gone or group not in self.live_groups:
            return
        response = self.post("enroll_user_in_user_group", user_id=user, user_group_id=group)
        self._ok(response, "enroll_user_in_user_group", "success")
        self.members.add((group, user))

    @precondition(writes_allowed)
    @rule(group=groups, course=courses)
    def a_group_gets_a_course(self, group: int, course: int) -> None:
        if group not in self.live_groups or course not in self.live_courses:
            return
        response = self.post("add_course_to_user_group", user_group_id=group, course_id=course)
        self._ok(response, "add_course_to_user_group", "success")
        self.held.add((group, course))

    @precondition(writes_allowed)
    @rule(user=users, course=courses)
    def removing_a_direct_enrollment_undoes_it(self, user: int, course: int) -> None:
        if (user, course) not in self.direct:
            return
        response = self.post("remove_user_from_course", user_id=user, course_id=course)
        self._ok(response, "remove_user_from_course", "success")
        self.direct.discard((user, course))
        self.the_users_courses_agree_with_the_graph(user)

    @precondition(writes_allowed)
    @rule(user=users, group=groups)
    def leaving_a_group_undoes_its_reach(self, user: int, group: int) -> None:
        if (group, user) not in self.members:
            return
        response = self.post("remove_user_from_user_group", user_id=user, user_group_id=group)
        self._ok(response, "remove_user_from_user_group", "success")
        self.members.discard((group, user))
        self.the_users_courses_agree_with_the_graph(user)

    @precondition(writes_allowed)
    @rule(group=groups, course=courses, alias=st.booleans())
    def a_course_removed_from_a_group_is_no_longer_reached_through_it(
        self, group: int, course: int, alias: bool
    ) -> None:
        if (group, course) not in self.held:
            return
        call = "remove_course_from_course_group" if alias else "remove_course_from_user_group"
        self._ok(self.post(call, user_group_id=group, course_id=course), call, "success")
        self.held.discard((group, course))

    @precondition(writes_allowed)
    @rule(course=consumes(courses))
    def a_destroyed_course_disappears_from_its_users_courses(self, course: int) -> None:
        if course not in self.live_courses:
            return
        reached_by = [u for u in self.model_users if u not in self.gone and course in self._reached(u)]
        self._ok(self.post("destroy_course", course_id=course), "destroy_course", "success")
        self.live_courses.discard(course)
        self._forget(course=course)
        self._refused(
            self.post("get_course", course_id=course),
            404,
            "destroy_course",
            "the destroyed course reads 404",
            "get_course",
        )
        for user in reached_by:
            self.the_users_courses_agree_with_the_graph(user)

    @precondition(writes_allowed)
    @rule(group=consumes(groups))
    def a_destroyed_group_takes_its_reach_with_it(self, group: int) -> None:
        if group not in self.live_groups:
            return
        self._ok(self.post("destroy_user_group", user_group_id=group), "destroy_user_group", "success")
        self.live_groups.discard(group)
        self._forget(group=group)
        self._refused(
            self.post("get_user_group", user_group_id=group),
            404,
            "destroy_user_group",
            "the destroyed group reads 404",
            "get_user_group",
        )

    @rule(user=users)
    def the_users_courses_agree_with_the_graph(self, user: int) -> None:
        if user in self.gone:
            return
        expected = sorted(self._reached(user))
        response = self.post("get_user_courses", user_id=user)
        listed = sorted(int(c["id"]) for c in self._ok(response, "get_user_courses", "the user's courses"))
        self.expect(
            listed == expected,
            "get_user_courses",
            f"user {user} should reach {expected}, not {listed}",
            response,
        )
        for course in sorted(self.live_courses):
            answer = self.post("get_user_course_status", user_id=user, course_id=course)
            got = self._ok(answer, "get_user_course_status", "the user's status").get("status")
            reached = course in expected
            self.expect(
                (got != "not_enrolled") == reached,
                "get_user_course_status",
                f"user {user} in course {course}: {got!r} disagrees with get_user_courses",
                answer,
            )

    @rule(group=groups)
    def a_group_reads_back_its_members_and_courses(self, group: int) -> None:
        if group not in self.live_groups:
            return
        response = self.post("get_user_group", user_group_id=group)
        read = self._ok(response, "get_user_group", "the group")
        users = sorted(int(u["id"]) for u in read.get("users", []))
        self.expect(
            users == sorted(u for g, u in self.members if g == group),
            "get_user_group",
            f"members {users} disagree with the enrollments made",
            response,
        )
        self.expect(
            read.get("course_ids") == sorted(c for g, c in self.held if g == group),
            "get_user_group",
            f"course_ids {read.get('course_ids')} disagree with the courses added",
            response,
        )

    @precondition(writes_allowed)
    @rule(user=users, topic=TOPICS)
    def a_user_reaches_courses_directly_and_through_a_group_until_undone(self, user: int, topic: str) -> None:
        if user in self.gone:
            return
        direct, grouped = self.create_a_course(topic), self.create_a_course(topic)
        group = self.create_a_user_group(topic)
        self.a_user_is_enrolled_directly(user, direct, by_email=True)
        self.a_group_gets_a_course(group, grouped)
        self.a_user_joins_a_group(user, group)
        self.the_users_courses_agree_with_the_graph(user)
        self.a_group_reads_back_its_members_and_courses(group)
        self.removing_a_direct_enrollment_undoes_it(user, direct)
        self.a_course_removed_from_a_group_is_no_longer_reached_through_it(group, grouped, alias=True)
        self.the_users_courses_agree_with_the_graph(user)
        self.a_group_gets_a_course(group, grouped)
        self.a_destroyed_course_disappears_from_its_users_courses(grouped)
        self.a_destroyed_group_takes_its_reach_with_it(group)
        self.a_destroyed_course_disappears_from_its_users_courses(direct)

    @precondition(writes_allowed)
    @rule(user=users, topic=TOPICS)
    def a_user_reaches_a_course_through_a_learning_path_until_undone(self, user: int, topic: str) -> None:
        if user in self.gone:
            return
        course, path = self.create_a_course(topic), self.create_a_learning_path(topic)
        group = self.create_a_user_group(topic)
        self.a_path_gets_a_course(path, course)
        self.a_user_joins_a_group(user, group)
        self.a_group_is_added_to_a_path(path, group)
        self.the_users_courses_agree_with_the_graph(user)
        self.a_path_reads_back_its_courses_users_and_groups(path, twin=True)
        self.a_group_removed_from_a_path_no_longer_reaches_its_courses(path, group, alias=True)
        self.the_users_courses_agree_with_the_graph(user)
        self.a_user_is_mass_enrolled_in_a_path_as_a_course_bundle(path, user)
        self.the_users_courses_agree_with_the_graph(user)
        self.a_course_removed_from_a_path_is_no_longer_reached_through_it(path, course)
        self.the_users_courses_agree_with_the_graph(user)
        self.a_path_gets_a_course(path, course)
        self.a_destroyed_path_takes_its_reach_with_it(path)
        self.the_users_courses_agree_with_the_graph(user)
        self.a_path_reads_back_its_courses_users_and_groups(path, twin=False)
        self.a_destroyed_group_takes_its_reach_with_it(group)
        self.a_destroyed_course_disappears_from_its_users_courses(course)
