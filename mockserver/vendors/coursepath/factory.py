"""Test-data factory for Coursepath: records made through the vendor's model, as the API returns them."""

from __future__ import annotations

from typing import Any

from ...store import Record
from ..locking import StoreFactory
from . import groups, model, programs


class CoursepathFactory(StoreFactory):
    """Makes Coursepath members, courses and enrollments for a test; each returns what the GET answers."""

    COLLECTIONS = model.COLLECTIONS

    def member(self, email: str | None = None, **fields: Any) -> Record:
        """A member (default an email made by Faker); any create field overrides."""
        model.declare(self.data)
        address = email or self._free_email()
        return dict(model.create_member(self.data, {"email": address, **fields})[0])

    def course(self, name: str | None = None, description: str | None = None) -> Record:
        """A course (default a Faker catch phrase)."""
        made = model.create_course(
            self.data, name or self.data.faker.catch_phrase(), description, model.now(self.data)
        )
        return dict(made)

    def enrollment(self, course_id: str, member_id: str) -> Record:
        """The member enrolled in the course as learner; the course member's result."""
        course = model.get_course(self.data, course_id)
        member = model.get_member(self.data, member_id)
        return model.public_result(model.enroll(self.data, course, member)[0])

    def program(self, name: str | None = None, description: str | None = None) -> Record:
        """A program (default a Faker catch phrase); the API has no call that reads it back."""
        made = programs.create_program(
            self.data,
            name or f"{self.data.faker.catch_phrase()} Program",
            description,
            model.now(self.data),
        )
        return dict(made)

    def program_member(self, program_id: str, member_id: str) -> Record:
        """The member added to the program as learner."""
        program = programs.get_program(self.data, program_id)
        member = model.get_member(self.data, member_id)
        return programs.public(programs.add(self.data, program, member)[0])

    def group(self, name: str | None = None) -> Record:
        """A group (default a Faker city name), with no members."""
        wanted = name or f"{self.data.faker.city()} Team"
        found = groups.group_by_name(self.data, wanted)
        return dict(found or groups.create_group(self.data, wanted, model.now(self.data)))

    def group_member(self, name: str, member_id: str) -> Record:
        """The member added to the group called ``name`` (made if none is); the group."""
        member = model.get_member(self.data, member_id)
        return dict(groups.add(self.data, member, name)[0])

    def _free_email(self) -> str:
        fake = self.data.faker
        stem = f"{fake.first_name()}.{fake.last_name()}".lower()
        number = 1
        while model.member_by_email(self.data, f"{stem}{number}@example.com") is not None:
            number += 1
        return f"{stem}{number}@example.com"
