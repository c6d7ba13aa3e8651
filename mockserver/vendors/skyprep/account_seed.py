"""Deterministic SkyPrep account data from a scenario and the seed: the program, materials, payments
and saved advanced reports (the API only reads them). Every date is before the scenario's anchor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ...errors import FixtureError
from ...store import VendorData
from . import account, saved_reports
from .model import COURSES
from .trainings import iso

DEFAULT_SIZES = {"materials": 6, "payments": 12}


def _named(scenario: Mapping[str, Any], collection: str) -> list[dict[str, Any]]:
    records = (scenario.get("records") or {}).get(collection) or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FixtureError(f"skyprep scenario: records.{collection} must be a list of mappings")
    return [dict(r) for r in records]


def seed(data: VendorData, scenario: Mapping[str, Any], sizes: Mapping[str, Any], anchor: datetime) -> None:
    """The program, then materials, payments and saved advanced reports (named ones first)."""
    program = scenario.get("program") or {}
    if not isinstance(program, dict):
        raise FixtureError("skyprep scenario: program must be a mapping")
    account.set_program(data, program, iso(anchor - timedelta(days=1000)))

    def before_anchor(most: int) -> str:
        moment = anchor - timedelta(days=data.random.randint(1, most), minutes=data.random.randint(0, 1439))
        return iso(moment)

    fake = data.faker
    kinds = list(account.MATERIAL_TYPES)
    materials = _named(scenario, account.MATERIALS)
    for index in range(int(sizes.get("materials", DEFAULT_SIZES["materials"]))):
        kind = kinds[index % len(kinds)]
        materials.append({"name": f"{fake.catch_phrase()} {kind.title()}", "material_type": kind})
    for entry in materials:
        entry.setdefault("file_size", data.random.randint(10_000, 50_000_000))
        account.create_material(data, entry, before_anchor(700))
    _seed_payments(data, scenario, sizes, before_anchor)
    for entry in _named(scenario, saved_reports.SAVED_REPORTS):
        saved_reports.create_saved(data, entry, before_anchor(400))


def _seed_payments(
    data: VendorData, scenario: Mapping[str, Any], sizes: Mapping[str, Any], stamp: Callable[[int], str]
) -> None:
    course_ids = sorted((int(c) for c in data.collection(COURSES)), key=int)
    fake = data.faker
    payments = _named(scenario, account.PAYMENTS)
    for _ in range(int(sizes.get("payments", DEFAULT_SIZES["payments"]))):
        first, last = fake.first_name(), fake.last_name()
        kind = data.random.choice(account.PAYMENT_TYPES)
        payments.append(
            {
                "first_name": first,
                "last_name": last,
                "payer_email": f"{first}.{last}@example.net".lower(),
                "payment_type": kind,
                "status": data.random.choice(account.PAYMENT_STATUSES),
                "amount": data.random.choice((29, 49, 99, 149, 199)),
                "transaction_number": (
                    f"ch_{fake.pystr(min_chars=24, max_chars=24)}"
                    if kind == "stripe"
                    else fake.bothify("#??#####??######", letters="ABCDEFGHJKLMNPQRSTUVWXYZ")
                ),
            }
        )
    for entry in payments:
        if course_ids:
            entry.setdefault("course_id", data.random.choice(course_ids))
        entry.setdefault("created_at", stamp(365))
        account.create_payment(data, entry)
