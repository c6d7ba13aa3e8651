"""Test-data factory for Absorb: records made through the vendor's model, as the API returns them."""

from __future__ import annotations

from typing import Any

from ...store import Record
from ..locking import StoreFactory
from . import courses, enrollments, lessons, model, sessions


class AbsorbFactory(StoreFactory):
    """Makes Absorb users, departments, courses and enrollments; each returns what the GET answers."""

    COLLECTIONS = (
        *model.COLLECTIONS,
        courses.COURSES,
        enrollments.ENROLLMENTS,
        lessons.LESSON_ENROLLMENTS,
        lessons.ATTEMPTS,
        sessions.SESSION_ENROLLMENTS,
    )

    def department(self, name: str | None = None, **fields: Any) -> Record:
        """A department (default a Faker city's name); ``parent_id``, ``external_id`` as overrides."""
        made = model.create_department(self.data, name or f"{self.data.faker.city()} Office", **fields)
        return model.public(made)

    def user(self, *, admin: bool = False, **fields: Any) -> Record:
        """A user (default a learner named by Faker, in the first department); any create field overrides,
        and ``lastLoginDate`` (a stamp, read-only to the API) too."""
        fake = self.data.faker
        last_login = fields.pop("lastLoginDate", None)
        first = fields.pop("firstName", None) or fake.first_name()
        last = fields.pop("lastName", None) or fake.last_name()
        username = fields.pop("username", None) or self._free_username(first, last)
        department = fields.pop("departmentId", None) or next(iter(self.data.collection(model.DEPARTMENTS)))
        made = model.create_user(
            self.data,
            {
                "firstName": first,
                "lastName": last,
                "username": username,
                "departmentId": department,
                **fields,
            },
            admin=admin,
        )
        if last_login is not None:
            made = self.data.update(model.USERS, made["id"], {"lastLoginDate": last_login})
        return model.public(made)

    def course(
        self,
        name: str | None = None,
        *,
        lessons: int = 2,
        sessions: int = 0,
        **fields: Any,
    ) -> Record:
        """A course (Faker names it): one chapter of ``lessons`` lessons, or ``sessions`` sessions (ILC)."""
        title = name or f"{self.data.faker.bs().title()} Course"
        if sessions:
            made = courses.create_course(
                self.data,
                title,
                course_type=courses.INSTRUCTOR_LED,
                sessions=[(f"{title}: session {n}", model.now(self.data)) for n in range(1, sessions + 1)],
                **fields,
            )
        else:
            chapter = [(f"Lesson {n}", courses.LESSON_TYPES[0]) for n in range(1, lessons + 1)]
            made = courses.create_course(self.data, title, chapters=[("Chapter 1", chapter)], **fields)
        return model.public(made)

    def enrollment(self, user_id: str, course_id: str, *, re_enroll: bool = False) -> Record:
        """The user's active enrollment in the course (a new one with ``re_enroll``)."""
        made, _ = enrollments.enroll(self.data, user_id, course_id, re_enroll=re_enroll)
        return model.public(made)

    def _free_username(self, first: str, last: str) -> str:
        number = 1
        while model.user_by_username(self.data, f"{first}.{last}{number}".lower()) is not None:
            number += 1
        return f"{first}.{last}{number}".lower()
