"""Test-data factory for SkyPrep: records made through the vendor's model, as the API returns them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...store import Record
from . import (
    account,
    catalog,
    courses,
    groups,
    managers,
    model,
    paths,
    progress,
    rewards,
    saved_reports,
    trainings,
)
from .account_factory import AccountFactory


class SkyprepFactory(AccountFactory):
    """Makes SkyPrep records for a test; each method returns what the API's read call answers for it."""

    COLLECTIONS = (*model.COLLECTIONS, *account.COLLECTIONS, *saved_reports.COLLECTIONS)

    def user(self, **fields: Any) -> Record:
        """A user; any create_user parameter as an override (default a learner with a Faker name)."""
        fake = self.data.faker
        first = fields.pop("first_name", None) or fake.first_name()
        last = fields.pop("last_name", None) or fake.last_name()
        email = fields.pop("email", None) or self._free_email(first, last)
        made = model.create_user(
            self.data, {"first_name": first, "last_name": last, "email": email, **fields}
        )
        return model.public(made)

    def power_user(
        self, user: Record | None = None, *, role_id: int | None = None, dataset_ids: Any = None
    ) -> Record:
        """``user`` (default a new one) made a power user with a role and datasets (default the first)."""
        target = user or self.user()
        role = role_id if role_id is not None else int(next(iter(self.data.collection(model.ROLES))))
        datasets = (
            dataset_ids
            if dataset_ids is not None
            else [int(next(iter(self.data.collection(model.DATASETS))))]
        )
        fields: Mapping[str, Any] = {
            "user_ids": [int(target["id"])],
            "user_role_id": role,
            "dataset_ids": datasets,
        }
        (made,) = model.make_power_users(self.data, fields)
        return model.public(made)

    def course(self, **fields: Any) -> Record:
        """A course (what ``get_course`` answers); any create_course parameter as an override."""
        name = fields.pop("name", None) or f"{self.data.faker.catch_phrase()} 101"
        made = courses.create_course(self.data, {"name": name, **fields})
        return courses.answer(self.data, made)

    def user_group(self, *, course_ids: Any = None, user_ids: Any = None, **fields: Any) -> Record:
        """A user group (what ``get_user_group`` answers) holding ``course_ids`` and ``user_ids``."""
        name = fields.pop("name", None) or f"{self.data.faker.city()} Team"
        params = {"name": name, "course_ids": course_ids, "user_ids": user_ids, **fields}
        return groups.answer(self.data, groups.create_group(self.data, params))

    def learning_path(
        self, *, course_ids: Any = None, user_ids: Any = None, user_group_ids: Any = None, **fields: Any
    ) -> Record:
        """A learning path (what ``get_learning_path`` answers) holding courses, users and user groups."""
        name = fields.pop("name", None) or f"{self.data.faker.bs().title()} Path"
        params = {
            "name": name,
            "course_ids": course_ids,
            "user_ids": user_ids,
            "user_group_ids": user_group_ids,
            **fields,
        }
        return paths.answer(self.data, paths.create_path(self.data, params))

    def in_catalog(
        self, *, course_ids: Any = None, learning_path_ids: Any = None, user_group_ids: Any = None
    ) -> None:
        """Courses and learning paths listed in the catalog, restricted to ``user_group_ids`` if given."""
        catalog.add_to_catalog(
            self.data,
            {
                "course_ids": course_ids,
                "learning_path_ids": learning_path_ids,
                "user_group_ids": user_group_ids,
            },
        )

    def enrolment(self, user: Record, course: Record, *, status: str = "not_started") -> Record:
        """``user`` enrolled directly in ``course``; returns what ``get_user_course_status`` answers."""
        if status not in courses.STATUSES:
            raise ValueError(f"status must be one of {', '.join(courses.STATUSES)}, not {status!r}")
        stored_user = model.find_user(self.data, int(user["id"]))
        stored_course = courses.find_course(self.data, int(course["id"]))
        courses.enroll(self.data, stored_user, stored_course, status=status)
        return {"status": courses.course_status(self.data, stored_user, stored_course)}

    def instructor_led_training(self, **fields: Any) -> Record:
        """A training, as ``get_instructor_led_training`` answers it (the API cannot make one)."""
        name = fields.pop("name", None) or f"{self.data.faker.catch_phrase()} Workshop"
        made = trainings.create_training(self.data, {"name": name, **fields})
        return trainings.training_answer(self.data, made)

    def timeslot(self, training: Record | None = None, **fields: Any) -> Record:
        """A timeslot of ``training`` (default a new one); any create_instructor_led_training_timeslot
        parameter as an override."""
        target = training or self.instructor_led_training()
        made = trainings.create_timeslot(
            self.data, {"instructor_led_training_id": int(target["id"]), **fields}
        )
        return trainings.timeslot_answer(self.data, made)

    def registration(self, timeslot: Record, user: Record, *, status: str = "registered") -> Record:
        """``user`` registered in ``timeslot``, as the registration calls answer it."""
        slot = trainings.find_timeslot(self.data, int(timeslot["id"]))
        stored_user = model.find_user(self.data, int(user["id"]))
        made = trainings.register(self.data, slot, stored_user, {"status": status})
        return trainings.registration_answer(self.data, made)

    def course_item(self, course: Record, *, item_type: str = "content", **fields: Any) -> Record:
        """An item of ``course`` (content, an exam with an ``exam_id``, an instructor-led training); the
        API cannot make one."""
        stored = courses.find_course(self.data, int(course["id"]))
        made = progress.create_item(self.data, stored, {"item_type": item_type, **fields})
        return {**model.public(made), "course_id": int(stored["id"])}

    def progress(self, user: Record, course: Record, *, status: str = "not-started") -> Record:
        """``user``'s progress in ``course`` (enrolled directly first if the user does not reach it), as
        ``get_course_progress`` answers it."""
        stored_user = model.find_user(self.data, int(user["id"]))
        stored_course = courses.find_course(self.data, int(course["id"]))
        if stored_course["id"] not in courses.reached_course_ids(self.data, stored_user["id"]):
            courses.enroll(self.data, stored_user, stored_course)
        progress.sync(self.data)
        found = progress.progress_of(self.data, stored_user["id"], stored_course["id"])
        if found is None:
            raise AssertionError("sync makes a progress for every course a user reaches")
        if found["status"] != status:
            found = progress.set_status(self.data, found, status)
        return progress.answer(self.data, found)

    def skill(self, **fields: Any) -> Record:
        """A skill, as ``get_skill`` answers it (the API cannot make one)."""
        name = fields.pop("display_name", None) or f"{self.data.faker.job()} Skill"
        made = rewards.create_skill(self.data, {"display_name": name, **fields})
        return rewards.skill_detail(self.data, made)

    def competency(self, points: Mapping[Any, int], **fields: Any) -> Record:
        """A competency asking for ``points`` (skill id -> points), as ``get_competency`` answers it."""
        name = fields.pop("display_name", None) or f"{self.data.faker.job()} Competency"
        asks = {str(sid): int(needed) for sid, needed in points.items()}
        made = rewards.create_competency(self.data, {"display_name": name, **fields}, asks)
        return rewards.competency_detail(self.data, made)

    def skill_transaction(self, user: Record, skill: Record, amount: int) -> list[Record]:
        """Points in ``skill`` for ``user``; returns the user's skill balances, as the call does."""
        stored = model.find_user(self.data, int(user["id"]))
        rewards.create_skill_transaction(self.data, stored, {"skill_id": int(skill["id"]), "amount": amount})
        return rewards.skill_balances(self.data, stored)

    def gamification_transaction(self, user: Record, amount: int, description: str | None = None) -> Record:
        """Gamification points for ``user``, as ``create_gamification_transaction`` answers them."""
        stored = model.find_user(self.data, int(user["id"]))
        fields = {"amount": amount, "description": description}
        made = rewards.create_gamification_transaction(self.data, stored, fields)
        return rewards.gamification_answer(self.data, made)

    def manager(self, user: Record, group: Record, **permissions: bool) -> Record:
        """``user`` (made a manager if it is not one) assigned to ``group``, as the manager calls answer."""
        stored = model.find_user(self.data, int(user["id"]))
        if stored["role"] != managers.MANAGER_ROLE:
            stored = model.update_user(self.data, stored, {"role": managers.MANAGER_ROLE})
        found = groups.find_group(self.data, int(group["id"]))
        return managers.answer(self.data, managers.assign(self.data, stored, found, permissions))

    def _free_email(self, first: str, last: str) -> str:
        number = 1
        while True:
            email = f"{first}.{last}{number}@example.com".lower()
            if not self.data.find(model.USERS, "email", email):
                return email
            number += 1
