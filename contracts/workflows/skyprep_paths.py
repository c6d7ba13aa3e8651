"""SkyPrep's learning paths in the workflow model: the calls that build and undo a path's reach.

``LearningPathRules`` holds the paths a run made and their links, and the rules that change and read
them; ``SkyprepWorkflow`` (``skyprep``) mixes it in and counts a path's reach in its enrollment graph.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, precondition, rule

from .base import writes_allowed
from .skyprep_calls import SkyprepCalls

TOPICS = st.sampled_from(["Safety", "Compliance", "Forensics", "Onboarding"])
# The records a run makes, by kind (bundles are shared by name across the mixed-in classes).
USERS = Bundle("users")
COURSES = Bundle("courses")
GROUPS = Bundle("groups")
PATHS = Bundle("paths")


class LearningPathRules(SkyprepCalls):
    """Learning paths: create, add and remove courses, users (as course bundles) and groups, destroy."""

    # Set by the workflow that mixes these rules in: its users, and its live courses and groups.
    model_users: dict[int, dict[str, Any]]
    gone: set[int]
    live_courses: set[int]
    live_groups: set[int]

    def __init__(self) -> None:
        super().__init__()
        # The paths this run made and their links: (path, course), (path, user), (path, group).
        self.live_paths: set[int] = set()
        self.path_courses: set[tuple[int, int]] = set()
        self.path_users: set[tuple[int, int]] = set()
        self.path_groups: set[tuple[int, int]] = set()

    def path_reach(self, user: int, groups: set[int]) -> set[int]:
        """The courses ``user``, a member of ``groups``, reaches through learning paths."""
        paths = {p for p, u in self.path_users if u == user} | {p for p, g in self.path_groups if g in groups}
        return {c for p, c in self.path_courses if p in paths}

    def forget_path_links(
        self, *, user: int | None, course: int | None, group: int | None, path: int | None
    ) -> None:
        """Drop the path links of a destroyed user, course, group or path."""
        self.path_courses = {(p, c) for p, c in self.path_courses if p != path and c != course}
        self.path_users = {(p, u) for p, u in self.path_users if p != path and u != user}
        self.path_groups = {(p, g) for p, g in self.path_groups if p != path and g != group}

    @precondition(writes_allowed)
    @rule(target=PATHS, topic=TOPICS)
    def create_a_learning_path(self, topic: str) -> int:
        response = self.post("create_learning_path", name=self.unique(f"{topic} path"))
        made = self._ok(response, "create_learning_path", "a new learning path")
        self.expect(
            made.get("course_ids") == [] and made.get("user_ids") == [] and made.get("user_group_ids") == [],
            "create_learning_path",
            "a new path holds no courses, users or groups",
            response,
        )
        pid = int(made["id"])
        self.live_paths.add(pid)
        return pid

    @precondition(writes_allowed)
    @rule(path=PATHS, course=COURSES)
    def a_path_gets_a_course(self, path: int, course: int) -> None:
        if path not in self.live_paths or course not in self.live_courses:
            return
        response = self.post("add_course_to_learning_path", learning_path_id=path, course_id=course)
        self._ok(response, "add_course_to_learning_path", "success")
        self.path_courses.add((path, course))

    @precondition(writes_allowed)
    @rule(path=PATHS, user=USERS)
    def a_user_is_mass_enrolled_in_a_path_as_a_course_bundle(self, path: int, user: int) -> None:
        if path not in self.live_paths or user in self.gone:
            return
        email = self.model_users[user]["email"]
        response = self.post("mass_enroll", user_emails=email, course_bundle_ids=str(path))
        self._ok(response, "mass_enroll", "success")
        self.path_users.add((path, user))

    @precondition(writes_allowed)
    @rule(path=PATHS, group=GROUPS)
    def a_group_is_added_to_a_path(self, path: int, group: int) -> None:
        if path not in self.live_paths or group not in self.live_groups:
            return
        response = self.post("add_group_to_learning_path", learning_path_id=path, user_group_id=group)
        self._ok(response, "add_group_to_learning_path", "success")
        self.path_groups.add((path, group))

    @precondition(writes_allowed)
    @rule(path=PATHS, course=COURSES)
    def a_course_removed_from_a_path_is_no_longer_reached_through_it(self, path: int, course: int) -> None:
        if (path, course) not in self.path_courses:
            return
        response = self.post("remove_course_from_learning_path", learning_path_id=path, course_id=course)
        self._ok(response, "remove_course_from_learning_path", "success")
        self.path_courses.discard((path, course))

    @precondition(writes_allowed)
    @rule(path=PATHS, group=GROUPS, alias=st.booleans())
    def a_group_removed_from_a_path_no_longer_reaches_its_courses(
        self, path: int, group: int, alias: bool
    ) -> None:
        if (path, group) not in self.path_groups:
            return
        call = "remove_group_from_course_group" if alias else "remove_group_from_learning_path"
        self._ok(self.post(call, learning_path_id=path, user_group_id=group), call, "success")
        self.path_groups.discard((path, group))

    @precondition(writes_allowed)
    @rule(path=consumes(PATHS))
    def a_destroyed_path_takes_its_reach_with_it(self, path: int) -> None:
        if path not in self.live_paths:
            return
        response = self.post("destroy_learning_path", learning_path_id=path)
        self._ok(response, "destroy_learning_path", "success")
        self.live_paths.discard(path)
        self.forget_path_links(user=None, course=None, group=None, path=path)
        self._refused(
            self.post("get_learning_path", learning_path_id=path),
            404,
            "destroy_learning_path",
            "the destroyed path reads 404",
            "get_learning_path",
        )

    @rule(path=PATHS, twin=st.booleans())
    def a_path_reads_back_its_courses_users_and_groups(self, path: int, twin: bool) -> None:
        if path not in self.live_paths:
            return
        call = "get_learning_pathGet" if twin else "get_learning_path"
        response = (self.get if twin else self.post)("get_learning_path", learning_path_id=path)
        read = self._ok(response, call, "the learning path")
        expected = {
            "course_ids": sorted(c for p, c in self.path_courses if p == path),
            "user_ids": sorted(u for p, u in self.path_users if p == path),
            "user_group_ids": sorted(g for p, g in self.path_groups if p == path),
        }
        self._same(read, expected, call, response)
