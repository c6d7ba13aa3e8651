"""The SkyPrep factory's account records: materials, payments and saved advanced reports (the API only
reads them), as the API answers them. ``SkyprepFactory`` mixes it in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...store import Record
from ..locking import StoreFactory
from . import account, saved_reports
from .model import now
from .trainings import iso


class AccountFactory(StoreFactory):
    """Makes SkyPrep's materials, payments and saved advanced reports for a test."""

    def material(self, **fields: Any) -> Record:
        """A material (as ``get_materials`` lists it); ``name``, ``material_type``... as overrides."""
        name = fields.pop("name", None) or f"{self.data.faker.catch_phrase()} Handbook"
        return account.material_answer(account.create_material(self.data, {"name": name, **fields}))

    def payment(self, *, days_ago: float = 0, **fields: Any) -> Record:
        """A payment (as ``get_payments`` lists it) made ``days_ago`` days before the sandbox clock;
        ``status``, ``payment_type``, ``amount``... as overrides."""
        fake = self.data.faker
        first = fields.pop("first_name", None) or fake.first_name()
        last = fields.pop("last_name", None) or fake.last_name()
        made = {
            "first_name": first,
            "last_name": last,
            "payer_email": f"{first}.{last}@example.net".lower(),
            "created_at": iso(now(self.data) - timedelta(days=days_ago)),
            **fields,
        }
        return account.payment_answer(account.create_payment(self.data, made))

    def saved_advanced_report(self, report_type: str = "all_course_progresses", **fields: Any) -> Record:
        """A saved advanced report running ``report_type`` with the ids in ``fields`` (``course_id``...),
        as ``get_saved_advanced_reports`` lists it (its links on the sandbox's default host)."""
        name = fields.pop("name", None) or f"{self.data.faker.bs().title()} Report"
        made = saved_reports.create_saved(self.data, {"name": name, "report_type": report_type, **fields})
        return saved_reports.saved_answer(made, "http://sandbox/skyprep")
