"""Test-data factory for ApprentiScope: records made through the vendor's model, as the API returns them.

Every method has sensible defaults (Faker, from the vendor's seeded generators), takes any field as
an override (``None`` leaves a default field out) and returns a copy of what the matching read
operation answers: ``user`` what ``read-user`` does, ``grade`` what ``read-grades`` lists.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ...store import Record, Store, VendorData
from ..locking import StoreFactory
from . import model
from .seed import occupation_fields, partner_fields

_KINDS = {"ojt": model.OJT, "rti": model.RTI, model.OJT: model.OJT, model.RTI: model.RTI}


def _merge(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


def _uid(user: Record | str) -> str:
    return user if isinstance(user, str) else str(user["id"])


class ApprentiscopeFactory(StoreFactory):
    """Creates ApprentiScope occupations, partners, users, invitations, grades, files and hours.

    Example:
        >>> ada = factory.apprentice(first_name="Ada")
        >>> factory.grades(ada, 3)
    """

    COLLECTIONS = (
        model.USERS,
        model.INVITATIONS,
        model.PARTNERS,
        model.OCCUPATIONS,
        model.SUBMISSIONS,
        model.FILES,
        model.GRADES,
    )

    def __init__(self, store: Store, data: VendorData) -> None:
        super().__init__(store, data)
        self.fake: Any = data.faker

    # occupations and partners
    def occupation(self, **overrides: Any) -> Record:
        """A new occupation (program) with OJT competencies and RTI courses; the API has no create."""
        index = len(self.data.collection(model.OCCUPATIONS))
        fields = occupation_fields(self.data, self.fake.rapids_occupation(index), model.now(self.data))
        record = _merge({"id": self.data.new_id(model.OCCUPATIONS), **fields}, overrides)
        self.data.collection(model.OCCUPATIONS)[record["id"]] = record
        return copy.deepcopy(record)

    def partner(self, partner_type: str = "employer", **overrides: Any) -> Record:
        """A new partner (``employer``, ``sponsor`` or ``education_provider``), as read-partner returns it."""
        title = overrides.get("title") or (self.fake.company() if partner_type == "employer" else None)
        defaults = partner_fields(self.fake, partner_type, title)
        return copy.deepcopy(model.create_partner(self.data, _merge(defaults, overrides)))

    def employer(self, **overrides: Any) -> Record:
        """A new employer partner: ``partner("employer", ...)``."""
        return self.partner("employer", **overrides)

    # users
    def _free_email(self, first: str, last: str) -> str:
        base = re.sub(r"[^a-z0-9.]", "", f"{first}.{last}".lower()) or "user"
        email, n = f"{base}@example.com", 1
        while model.email_taken(self.data, email):
            n += 1
            email = f"{base}{n}@example.com"
        return email

    def _first(self, collection: str, **fields: Any) -> str:
        for record in self.data.collection(collection).values():
            if all(record.get(k) == v for k, v in fields.items()):
                return str(record["id"])
        made = self.occupation() if collection == model.OCCUPATIONS else self.employer()
        return str(made["id"])

    def user(self, user_type: str = "apprentice", **overrides: Any) -> Record:
        """A new managed user, as read-user returns it.

        Apprentices, applicants and mentors get the first occupation as program, apprentices,
        mentors and supervisors the first employer as company (made when there is none).
        """
        first = str(overrides.get("first_name") or self.fake.first_name())
        last = str(overrides.get("last_name") or self.fake.last_name())
        defaults: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email": self._free_email(first, last),
            "user_type": user_type,
            "phone": self.fake.phone10(),
            "address": self.fake.street_address(),
            "city": self.fake.city(),
            "state": self.fake.state(),
            "zip": self.fake.zipcode(),
        }
        if user_type in ("apprentice", "applicant", "mentor") and "program_id" not in overrides:
            defaults["program_id"] = self._first(model.OCCUPATIONS)
        if user_type in ("apprentice", "mentor", "supervisor") and "company_id" not in overrides:
            defaults["company_id"] = self._first(model.PARTNERS, type="employer")
        if user_type == "apprentice":
            start = datetime.fromtimestamp(self.data.clock(), UTC).date() - timedelta(
                days=self.data.random.randint(30, 400)
            )
            defaults |= {
                "apprentice_status": "Active",
                "program_start_date": start.strftime("%Y%m%d"),
                "date_of_birth": (start - timedelta(days=365 * 20)).strftime("%Y%m%d"),
                "gender": self.data.random.choice([1, 2]),
                "employment_status": "New Employee",
            }
        return copy.deepcopy(model.create_user(self.data, _merge(defaults, overrides)))

    def apprentice(self, **overrides: Any) -> Record:
        """A new apprentice: ``user("apprentice", ...)``."""
        return self.user("apprentice", **overrides)

    def invitation(self, user_type: str = "apprentice", **overrides: Any) -> Record:
        """A pending invitation (the API answers create-invitation with its id only)."""
        first = str(overrides.get("first_name") or self.fake.first_name())
        last = str(overrides.get("last_name") or self.fake.last_name())
        defaults = {
            "first_name": first,
            "last_name": last,
            "email": self._free_email(first, last),
            "user_type": user_type,
        }
        return copy.deepcopy(model.create_invitation(self.data, _merge(defaults, overrides)))

    # a user's program: grades, files, hours
    def _program(self, uid: str) -> Record | None:
        user = model.get_user(self.data, uid)
        found = self.data.collection(model.OCCUPATIONS).get(user.get("program_id", ""))
        return found

    def grade(self, user: Record | str, **overrides: Any) -> Record:
        """A grade for ``user`` (record or id) in an RTI course of their program, as read-grades lists it."""
        uid = _uid(user)
        program = self._program(uid)
        defaults: dict[str, Any] = {
            "uid": uid,
            "title": "Unit Exam",
            "type": 1,
            "date": datetime.fromtimestamp(self.data.clock(), UTC).date().isoformat(),
            "score_received": self.data.random.randint(60, 100),
            "score_possible": 100,
        }
        if program and program["rti_courses"] and "course_id" not in overrides:
            course = self.data.random.choice(program["rti_courses"])
            defaults |= {"course_id": course["id"], "title": self.fake.grade_title(course["title"])}
        return copy.deepcopy(model.create_grade(self.data, _merge(defaults, overrides)))

    def grades(self, user: Record | str, count: int, **overrides: Any) -> list[Record]:
        """``count`` grades for ``user``."""
        return [self.grade(user, **overrides) for _ in range(count)]

    def file(self, user: Record | str, **overrides: Any) -> Record:
        """A file on ``user``'s profile."""
        uid = _uid(user)
        person = model.get_user(self.data, uid)
        category = str(overrides.get("category") or self.fake.file_category())
        slug = category.lower().replace(" ", "-")
        defaults = {
            "uid": uid,
            "filename": f"{category} - {person['first_name']} {person['last_name']}",
            "category": category,
            "url": f"https://files.apprentiscope.com/{uid}/{slug}.pdf",
        }
        return copy.deepcopy(model.create_file(self.data, _merge(defaults, overrides)))

    def hours(
        self,
        user: Record | str,
        *,
        kind: str | int = "ojt",
        hours: float = 8,
        day: date | str | None = None,
        items: Mapping[str, float] | None = None,
    ) -> Record:
        """A submission of hours for ``user``, as read-submissions lists it.

        Args:
            kind: ``"ojt"`` (1) or ``"rti"`` (2).
            hours: hours on the first competency or course of the user's program (without ``items``).
            day: the day worked (default today).
            items: competency or course id -> hours, instead of ``hours``.
        """
        uid = _uid(user)
        kind_code = _KINDS[kind]
        when = (
            day
            if isinstance(day, str)
            else (day or datetime.fromtimestamp(self.data.clock(), UTC).date()).isoformat()
        )
        if items is None:
            program = self._program(uid)
            listed = (program or {}).get("ojt_competencies" if kind_code == model.OJT else "rti_courses")
            if not listed:
                raise ValueError(f"user {uid!r} has no program with {kind} items; pass items=")
            items = {listed[0]["id"]: hours}
        item = {
            "date_obj": when,
            "competencies": [{"id": k, "hours_worked": v} for k, v in items.items()],
        }
        return copy.deepcopy(model.submit_hours(self.data, uid, kind_code, item))
