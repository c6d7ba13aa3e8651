"""Deterministic, referentially consistent ApprentiScope data from a scenario and the seed.

Occupations come first, then partners, then users who belong to them, then the grades, files and
hour submissions of apprentices. Every date is relative to the scenario's ``anchor_date``, never
to today, so the same seed gives the same bytes on any day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from ...errors import FixtureError
from ...store import Record, VendorData
from . import model
from .providers import RapidsProvider

DEFAULT_SIZES: dict[str, Any] = {
    "occupations": 6,
    "employers": 5,
    "sponsors": 2,
    "education_providers": 2,
    "apprentices": 24,
    "applicants": 6,
    "mentors": 4,
    "supervisors": 3,
    "admins": 1,
    "grades_per_apprentice": [0, 4],
    "submissions_per_apprentice": [0, 6],
    "files_per_apprentice": [0, 2],
}
_STATUS_WEIGHTS = {"Active": 70, "Suspended": 8, "Exited": 10, "Completed": 12}


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _stamp(day: date, hour: int = 9) -> str:
    return datetime.combine(day, time(hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def occupation_fields(
    data: VendorData, entry: Mapping[str, Any], created: str, fixed: Mapping[str, Any] | None = None
) -> Record:
    """An occupation (no id yet) from a ``rapids_occupation`` entry, its items with fresh ids.

    ``fixed`` may name the items' ids (``ojt_ids``, ``rti_ids``, in order); an id is drawn for each
    item all the same, so fixing some shifts no other record's.
    """

    def items(rows: list[tuple[str, int]], named: list[str]) -> list[Record]:
        made = []
        for index, (title, hours) in enumerate(rows):
            drawn = data.new_id()
            made.append(
                {"id": named[index] if index < len(named) else drawn, "title": title, "hours_required": hours}
            )
        return made

    return {
        "title": entry["title"],
        "rapids_code": entry["rapids_code"],
        "onet_code": entry["onet_code"],
        "type": entry["type"],
        "term_hours": entry["term_hours"],
        "ojt_competencies": items(entry["ojt"], list((fixed or {}).get("ojt_ids", []))),
        "rti_courses": items(entry["rti"], list((fixed or {}).get("rti_ids", []))),
        "created_at": created,
        "updated_at": created,
    }


def partner_fields(fake: Any, partner_type: str, title: str | None = None) -> Record:
    """A partner's fields (no id, no timestamps): a name that suits its type, a contact at its domain."""
    if title is None:
        title = (
            fake.company()
            if partner_type == "employer"
            else (
                f"{fake.city()} Community College"
                if partner_type == "education_provider"
                else f"{fake.state()} Apprenticeship Consortium"
            )
        )
    domain = re.sub(r"[^a-z0-9]", "", title.lower())[:20] or "partner"
    first, last = fake.first_name(), fake.last_name()
    return {
        "title": title,
        "type": partner_type,
        "street": fake.street_address(),
        "city": fake.city(),
        "state": fake.state(),
        "zip": fake.zipcode(),
        "contact_name": f"{first} {last}",
        "contact_email": f"{re.sub(r'[^a-z]', '', first.lower()) or 'contact'}@{domain}.com",
        "contact_phone": fake.phone10(),
        "website": f"https://www.{domain}.com",
    }


class _Seeder:
    def __init__(self, data: VendorData, scenario: Mapping[str, Any]) -> None:
        self.data = data
        self.fake = data.faker
        self.rnd = data.random
        self.anchor = date.fromisoformat(str(scenario.get("anchor_date", "2025-09-01")))
        unknown = set(scenario.get("sizes", {})) - set(DEFAULT_SIZES)
        if unknown:
            raise FixtureError(f"unknown sizes {sorted(unknown)}; known: {sorted(DEFAULT_SIZES)}")
        self.sizes = {**DEFAULT_SIZES, **scenario.get("sizes", {})}
        self.records = scenario.get("records", {}) or {}
        self.emails: set[str] = set()

    def _span(self, key: str) -> int:
        low, high = self.sizes[key]
        return self.rnd.randint(int(low), int(high))

    def _days_ago(self, low: int, high: int) -> date:
        return self.anchor - timedelta(days=self.rnd.randint(low, high))

    def _put(self, collection: str, record: Record) -> Record:
        # An id is drawn even for a record that names its own, so naming one shifts no other record's.
        drawn = self.data.new_id(collection)
        record.setdefault("id", drawn)
        self.data.collection(collection)[record["id"]] = record
        return record

    # occupations and partners
    def occupation(self, index: int) -> Record:
        """The ``index``-th occupation of the catalogue, at the ids ``records.occupations[index]`` names."""
        entry = self.fake.rapids_occupation(index)
        created = _stamp(self._days_ago(900, 1500))
        named = self.records.get("occupations", [])
        fixed = dict(named[index]) if index < len(named) else {}
        record = occupation_fields(self.data, entry, created, fixed)
        if "id" in fixed:
            record["id"] = str(fixed["id"])
        return self._put(model.OCCUPATIONS, record)

    def partner(self, partner_type: str, named: Mapping[str, Any] | None = None) -> Record:
        created = _stamp(self._days_ago(400, 1200))
        record = partner_fields(self.fake, partner_type) | {"created_at": created, "updated_at": created}
        if named is not None:
            record = {k: v for k, v in record.items() if k in ("created_at", "updated_at")} | dict(named)
        return self._put(model.PARTNERS, record)

    # users
    def _email(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        email = f"{base}@{self.fake.free_email_domain()}"
        while email in self.emails:
            email = f"{base}{self.rnd.randint(2, 99)}@{self.fake.free_email_domain()}"
        self.emails.add(email)
        return email

    def user(self, user_type: str, occupations: list[Record], employers: list[Record]) -> Record:
        fake, rnd = self.fake, self.rnd
        first, last = fake.first_name(), fake.last_name()
        joined = self._days_ago(60, 1100)
        user: Record = {
            "first_name": first,
            "last_name": last,
            "email": self._email(first, last),
            "user_type": user_type,
            "phone": fake.phone10(),
            "address": fake.street_address(),
            "city": fake.city(),
            "state": fake.state(),
            "zip": fake.zipcode(),
        }
        if rnd.random() < 0.4:
            user["middle_name"] = fake.random_uppercase_letter()
        if user_type in ("apprentice", "applicant", "mentor") and occupations:
            user["program_id"] = rnd.choice(occupations)["id"]
        if user_type in ("apprentice", "mentor", "supervisor") and employers:
            user["company_id"] = rnd.choice(employers)["id"]
        if user_type == "apprentice":
            user.update(self._apprentice_fields(joined))
        user["managed"] = rnd.random() < 0.7
        user["created_at"] = user["updated_at"] = _stamp(joined)
        return self._put(model.USERS, user)

    def _apprentice_fields(self, joined: date) -> Record:
        rnd = self.rnd
        start = joined + timedelta(days=rnd.randint(0, 30))
        statuses = list(_STATUS_WEIGHTS)
        status = rnd.choices(statuses, weights=list(_STATUS_WEIGHTS.values()))[0]
        races = [
            "american_indian_alaskan_native",
            "asian",
            "black_african_american",
            "native_hawaiian_other_pacific_islander",
            "white",
        ]
        race = rnd.choice(races)
        fields: Record = {
            "apprentice_status": status,
            "program_start_date": _ymd(start),
            "date_of_birth": _ymd(self.anchor - timedelta(days=rnd.randint(18 * 365, 45 * 365))),
            "ssn": self.fake.ssn(),
            "gender": rnd.choice([1, 2, 1, 2, 9]),
            "ethnicity_hispanic_latino": rnd.choice([1, 2, 2, 2, 9]),
            **{name: (1 if name == race else 0) for name in races},
            "veteran_status": rnd.choice([1, 1, 1, 2, 3, 4, 9]),
            "disability_status": rnd.choice([1, 2, 2, 2, 3]),
            "employment_status": rnd.choice(["New Employee", "Existing Employee"]),
        }
        end = min(self.anchor, start + timedelta(days=rnd.randint(90, 700)))
        key = {
            "Completed": "program_completion_date",
            "Exited": "program_exit_date",
            "Suspended": "program_suspension_date",
        }.get(status)
        if key:
            fields[key] = _ymd(end)
        return fields

    def named_user(
        self, named: Mapping[str, Any], occupations: list[Record], partners: list[Record]
    ) -> Record:
        record = dict(named)
        if "program" in record:
            record["program_id"] = _by_title(occupations, record.pop("program"), "occupation")
        if "company" in record:
            record["company_id"] = _by_title(partners, record.pop("company"), "partner")
        record = model.normalize_user_fields(record)
        record.setdefault("managed", True)
        stamp = _stamp(self._days_ago(300, 300))
        record.setdefault("created_at", stamp)
        record.setdefault("updated_at", stamp)
        self.emails.add(record["email"].lower())
        return self._put(model.USERS, record)

    # apprentice activity
    def activity(self, user: Record, occupation: Record) -> None:
        rnd, fake = self.rnd, self.fake
        start = datetime.strptime(user.get("program_start_date", _ymd(self.anchor)), "%Y%m%d").date()
        span = max(1, (self.anchor - start).days)
        for _ in range(self._span("submissions_per_apprentice")):
            kind = rnd.choice([model.OJT, model.OJT, model.RTI])
            items = occupation["ojt_competencies"] if kind == model.OJT else occupation["rti_courses"]
            day = start + timedelta(days=rnd.randint(0, span))
            entries = [
                {
                    "id": item["id"],
                    "title": item["title"],
                    "hours_worked": rnd.choice([1, 2, 2.5, 3, 4, 6, 8]),
                }
                for item in rnd.sample(items, k=rnd.randint(1, min(3, len(items))))
            ]
            self._put(
                model.SUBMISSIONS,
                {
                    "uid": user["id"],
                    "type": kind,
                    "date": _ymd(day),
                    "date_obj": f"{day.isoformat()}T14:00:00.000Z",
                    "competencies": entries,
                    "total_hours": sum(e["hours_worked"] for e in entries),
                    "status": "approved",
                    "created_at": _stamp(day, 17),
                },
            )
        for _ in range(self._span("grades_per_apprentice")):
            course = rnd.choice(occupation["rti_courses"])
            self._put(
                model.GRADES,
                {
                    "uid": user["id"],
                    "date": (start + timedelta(days=rnd.randint(0, span))).isoformat(),
                    "title": fake.grade_title(course["title"]),
                    "type": rnd.choice([1, 2, 3, 5, 6]),
                    "course_id": course["id"],
                    "score_possible": 100,
                    "score_received": max(40, min(100, round(rnd.gauss(84, 9)))),
                },
            )
        for _ in range(self._span("files_per_apprentice")):
            category = fake.file_category()
            slug = category.lower().replace(" ", "-")
            self._put(
                model.FILES,
                {
                    "uid": user["id"],
                    "filename": f"{category} - {user['first_name']} {user['last_name']}",
                    "category": category,
                    "url": f"https://files.apprentiscope.com/{user['id']}/{slug}.pdf",
                    "created_at": _stamp(start + timedelta(days=rnd.randint(0, span))),
                },
            )


def _by_title(records: list[Record], title: str, label: str) -> str:
    for record in records:
        if record["title"] == title:
            return str(record["id"])
    raise FixtureError(f"named record refers to {label} {title!r}, which the scenario does not create")


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``data`` from ``scenario`` (sizes and named records) deterministically."""
    if not hasattr(data.faker, "rapids_occupation"):
        data.faker.add_provider(RapidsProvider)
    s = _Seeder(data, scenario)
    occupations = [s.occupation(i) for i in range(int(s.sizes["occupations"]))]
    partners = [s.partner(str(p["type"]), p) for p in s.records.get("partners", [])]
    for partner_type, key in (
        ("employer", "employers"),
        ("sponsor", "sponsors"),
        ("education_provider", "education_providers"),
    ):
        partners += [s.partner(partner_type) for _ in range(int(s.sizes[key]))]
    employers = [p for p in partners if p["type"] == "employer"]
    for named in s.records.get("users", []):
        s.named_user(named, occupations, partners)
    for user_type, key in (
        ("apprentice", "apprentices"),
        ("applicant", "applicants"),
        ("mentor", "mentors"),
        ("supervisor", "supervisors"),
        ("admin", "admins"),
    ):
        for _ in range(int(s.sizes[key])):
            s.user(user_type, occupations, employers)
    by_id = {o["id"]: o for o in occupations}
    for user in list(data.collection(model.USERS).values()):
        if user["user_type"] == "apprentice" and user.get("program_id") in by_id:
            s.activity(user, by_id[user["program_id"]])
    # Last, so they draw no ids from the seed's sequence: records at the ids the spec's examples name.
    _example_records(s, occupations)


def _example_records(s: _Seeder, occupations: list[Record]) -> None:
    """The scenario's records made last, at fixed ids: occupations no user is on, partners, users, grades."""
    for named in s.records.get("spare_occupations", []):
        entry = s.fake.rapids_occupation(int(named.get("catalogue_index", 0)))
        created = _stamp(s._days_ago(900, 1500))
        s._put(model.OCCUPATIONS, {**occupation_fields(s.data, entry, created), "id": str(named["id"])})
    for named in s.records.get("last_partners", []):
        s.partner(str(named["type"]), named)
    for named in s.records.get("last_users", []):
        s.named_user(named, occupations, list(s.data.collection(model.PARTNERS).values()))
    users = {str(u.get("email")): u for u in s.data.collection(model.USERS).values()}
    by_id = {o["id"]: o for o in occupations}
    for named in s.records.get("grades", []):
        user = users.get(str(named.get("user")))
        if user is None:
            raise FixtureError(f"grade {named.get('id')!r} names {named.get('user')!r}, who is not seeded")
        course = (by_id.get(user.get("program_id")) or occupations[0])["rti_courses"][0]
        record = {key: value for key, value in named.items() if key != "user"}
        s._put(model.GRADES, {"uid": user["id"], "course_id": course["id"], **record})
