"""Deterministic SkyPrep data from a scenario and the seed: roles, datasets, then users.

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

DEFAULT_SIZES = {"learners": 18, "managers": 3, "admins": 2}
_ROLE_OF_SIZE = {"learners": "learner", "managers": "manager", "admins": "admin"}


def _named(scenario: Mapping[str, Any], collection: str) -> list[dict[str, Any]]:
    records = (scenario.get("records") or {}).get(collection) or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FixtureError(f"skyprep scenario: records.{collection} must be a list of mappings")
    return [dict(r) for r in records]


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``data`` from ``scenario`` (sizes and named records), deterministically from its seed."""
    model.declare(data)
    anchor = date.fromisoformat(str(scenario.get("anchor_date", "2025-09-01")))
    sizes = {**DEFAULT_SIZES, **(scenario.get("sizes") or {})}
    for collection in (model.ROLES, model.DATASETS):
        for entry in _named(scenario, collection):
            data.insert(collection, {"id": str(int(entry["id"])), "name": str(entry["name"])})
    fake = data.faker
    people: list[dict[str, Any]] = _named(scenario, model.USERS)
    for size, role in _ROLE_OF_SIZE.items():
        for _ in range(int(sizes.get(size, 0))):
            first, last = fake.first_name(), fake.last_name()
            number = len(people) + 1
            people.append(
                {
                    "first_name": first,
                    "last_name": last,
                    # The running number keeps emails unique without Faker's unique proxy (which
                    # would remember values across reseeds).
                    "email": f"{first}.{last}{number}@example.com".lower(),
                    "role": role,
                    "title": fake.job() if data.random.random() < 0.5 else None,
                    "work_phone": fake.numerify("###-###-####") if data.random.random() < 0.5 else None,
                    "card_no": f"Emp. # {1_000_000 + data.random.randint(0, 8_999_999)}",
                }
            )
    midnight = datetime.combine(anchor, time(), UTC)
    for person in people:
        joined = midnight - timedelta(days=data.random.randint(1, 900), minutes=data.random.randint(0, 1439))
        user = model.create_user(data, {**person, "role": person.get("role") or "learner"})
        data.update(model.USERS, user["id"], {"created_at": model.stamp(joined)})
