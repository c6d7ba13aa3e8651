"""Test-data factory for SkyPrep: records made through the vendor's model, as the API returns them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...store import Record, Store, VendorData
from . import model


class SkyprepFactory:
    """Makes SkyPrep users (and power users) for a test; each method returns what ``get_user`` answers."""

    COLLECTIONS = model.COLLECTIONS

    def __init__(self, store: Store, data: VendorData) -> None:
        self.store = store
        self.data = data

    def user(self, **fields: Any) -> Record:
        """A user; any create_user parameter as an override (default a learner with a Faker name)."""
        fake = self.data.faker
        with self.store.locked():
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
        with self.store.locked():
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

    def _free_email(self, first: str, last: str) -> str:
        number = 1
        while True:
            email = f"{first}.{last}{number}@example.com".lower()
            if not self.data.find(model.USERS, "email", email):
                return email
            number += 1
