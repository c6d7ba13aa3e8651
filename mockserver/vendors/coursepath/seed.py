"""Deterministic Coursepath data from a scenario and the seed: courses, the named members, members, results.

Every date is before the scenario's ``anchor_date``, never relative to today, so the same seed gives
the same bytes on any day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ...errors import FixtureError
from ...store import VendorData
from . import groups, model, programs

DEFAULT_SIZES = {
    "courses": 6,
    "members": 30,
    "enrollments": 40,
    "programs": 2,
    "program_members": 12,
    "groups": 3,
    "group_members": 20,
}
_TOPICS = ("Onboarding", "Safety", "Compliance", "Leadership", "Customer Care", "Data Protection", "Sales")


def _named(scenario: Mapping[str, Any], collection: str) -> list[dict[str, Any]]:
    records = (scenario.get("records") or {}).get(collection) or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FixtureError(f"coursepath scenario: records.{collection} must be a list of mappings")
    return [dict(r) for r in records]


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``data`` from ``scenario`` (sizes and named records), deterministically from its seed."""
    model.declare(data)
    anchor = datetime.combine(date.fromisoformat(str(scenario.get("anchor_date", "2025-09-01"))), time(), UTC)
    sizes = {**DEFAULT_SIZES, **(scenario.get("sizes") or {})}
    rng, fake = data.random, data.faker

    def before_anchor(days: int = 900) -> datetime:
        return anchor - timedelta(days=rng.randint(1, days), minutes=rng.randint(0, 1439))

    courses = _named(scenario, model.COURSES)
    courses += [
        {"name": f"{rng.choice(_TOPICS)}: {fake.catch_phrase()}", "description": fake.sentence()}
        for _ in range(int(sizes["courses"]))
    ]
    made_courses = [
        model.create_course(data, str(c["name"]), c.get("description"), model.stamp(before_anchor()))
        for c in courses
    ]

    people = _named(scenario, model.MEMBERS)
    for number in range(len(people) + 1, len(people) + 1 + int(sizes["members"])):
        first, last = fake.first_name(), fake.last_name()
        people.append(
            {
                # The running number keeps emails unique without Faker's unique proxy.
                "email": f"{first}.{last}{number}@example.com".lower(),
                "name": f"{first} {last}" if rng.random() < 0.8 else None,
                "company": fake.company() if rng.random() < 0.7 else None,
                "department": rng.choice(("Sales", "Operations", "Finance", "Support", None)),
                "country": fake.country_code(),
                "externalId": f"EXT-{rng.randint(10_000, 99_999)}" if rng.random() < 0.5 else None,
            }
        )
    members = [
        model.create_member(
            data, p, created=model.stamp(before_anchor()), record_id=str(p["id"]) if p.get("id") else None
        )[0]
        for p in people
    ]

    for _ in range(int(sizes["enrollments"]) if made_courses and members else 0):
        course, member = rng.choice(made_courses), rng.choice(members)
        enrolled = before_anchor(300)
        result, new = model.enroll(data, course, member, enrolled=model.stamp(enrolled))
        if new and rng.random() < 0.4:
            done = enrolled + timedelta(days=rng.randint(0, 30))
            score = round(rng.uniform(40, 100), 1)
            model.complete(data, result, score, score >= 70, model.stamp(min(done, anchor)))

    # Programs last, so adding them left the courses, members and results of every seed as they were.
    named_programs = _named(scenario, model.PROGRAMS)
    named_programs += [
        {"name": f"{rng.choice(_TOPICS)} Program", "description": fake.sentence()}
        for _ in range(int(sizes["programs"]))
    ]
    made_programs = [
        programs.create_program(
            data,
            str(p["name"]),
            p.get("description"),
            model.stamp(before_anchor()),
            str(p["id"]) if p.get("id") else None,
        )
        for p in named_programs
    ]
    for _ in range(int(sizes["program_members"]) if made_programs and members else 0):
        program, member = rng.choice(made_programs), rng.choice(members)
        programs.add(data, program, member, enrolled=model.stamp(before_anchor(300)))
    # Named memberships last, on a fixed date: they draw nothing from the seed's generators.
    for named, program in zip(named_programs, made_programs, strict=False):
        for email in named.get("members") or ():
            joining = model.member_by_email(data, str(email))
            if joining is None:
                raise FixtureError(
                    f"coursepath scenario: program {named.get('id')!r} names {email!r}, no member"
                )
            programs.add(data, program, joining, enrolled=model.stamp(anchor - timedelta(days=30)))

    # Groups after programs, for the same reason; named groups list their members by email.
    for named in _named(scenario, model.GROUPS):
        name = str(named["name"])
        if groups.group_by_name(data, name) is None:
            groups.create_group(data, name, model.stamp(before_anchor()))
        for email in named.get("members") or []:
            found = model.member_by_email(data, str(email))
            if found is None:
                raise FixtureError(f"coursepath scenario: group {name!r} names no member {email!r}")
            groups.add(data, found, name, added=model.stamp(before_anchor(300)))
    names = [f"{fake.city()} {rng.choice(('Team', 'Branch', 'Cohort'))}" for _ in range(int(sizes["groups"]))]
    for _ in range(int(sizes["group_members"]) if names and members else 0):
        groups.add(data, rng.choice(members), rng.choice(names), added=model.stamp(before_anchor(300)))
