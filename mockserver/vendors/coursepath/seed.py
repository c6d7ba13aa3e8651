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
from . import model

DEFAULT_SIZES = {"courses": 6, "members": 30, "enrollments": 40}
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
    members = [model.create_member(data, p, created=model.stamp(before_anchor()))[0] for p in people]

    for _ in range(int(sizes["enrollments"]) if made_courses and members else 0):
        course, member = rng.choice(made_courses), rng.choice(members)
        enrolled = before_anchor(300)
        result, new = model.enroll(data, course, member, enrolled=model.stamp(enrolled))
        if new and rng.random() < 0.4:
            done = enrolled + timedelta(days=rng.randint(0, 30))
            score = round(rng.uniform(40, 100), 1)
            model.complete(data, result, score, score >= 70, model.stamp(min(done, anchor)))
