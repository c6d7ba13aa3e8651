"""SkyPrep's account, content and payments as plain functions over the store: the program (the
account), its statistics, its materials and the payments for the courses it sells.

The program is the scenario's; get_data counts the records as they are now. Materials (the content
library's files) and payments (Stripe or PayPal, for a course) come from the scenario and the factory:
the API only reads them. Payments are listed newest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ...errors import InvalidInput
from ...numerals import is_numeral
from ...store import Record, VendorData
from .model import COURSES, USER_GROUPS, USERS, new_id, now
from .trainings import iso, parse_time

MATERIALS = "materials"
PAYMENTS = "payments"
COLLECTIONS = (MATERIALS, PAYMENTS)
PROGRAM = "program"
# get_data's data types, and what each counts.
DATA_TYPES = ("user_count", "admin_count", "learner_count", "course_count", "user_group_count")
MATERIAL_TYPES = {
    "document": ("pdf", "application/pdf"),
    "video": ("mp4", "video/mp4"),
    "audio": ("mp3", "audio/mpeg"),
    "image": ("png", "image/png"),
    "presentation": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "scorm": ("zip", "application/zip"),
}
PAYMENT_STATUSES = ("complete", "pending", "refunded", "failed")
PAYMENT_TYPES = ("paypal", "stripe")
PROGRAM_FIELDS = ("name", "acct_key", "time_zone", "locale", "support_email")


# the program


def set_program(data: VendorData, fields: Mapping[str, Any], created_at: str) -> Record:
    """The account as the scenario describes it (its name, domain, time zone...)."""
    program: Record = {
        "id": new_id(data),
        "model_type": "program",
        "name": str(fields.get("name") or "Your SkyPrep Training Program"),
        "acct_key": str(fields.get("acct_key") or "sandbox.skyprepapp.com"),
        "time_zone": str(fields.get("time_zone") or "UTC"),
        "locale": str(fields.get("locale") or "en"),
        "support_email": fields.get("support_email"),
        "created_at": created_at,
    }
    data.extras[PROGRAM] = program
    return program


def program(data: VendorData) -> Record:
    """get_program: the account, with its counts as they are now."""
    found = dict(data.extras.get(PROGRAM) or set_program(data, {}, iso(now(data))))
    return {**found, **{name: int(count(data, name)) for name in DATA_TYPES}}


def count(data: VendorData, data_type: Any) -> int:
    """get_data: the number ``data_type`` names; 400 for a missing or unknown one."""
    if data_type not in DATA_TYPES:
        raise InvalidInput(f"data_type must be one of {', '.join(DATA_TYPES)}", field="data_type")
    users = list(data.collection(USERS).values())
    if data_type == "user_count":
        return len(users)
    if data_type == "admin_count":
        return len([u for u in users if u["role"] == "admin"])
    if data_type == "learner_count":
        return len([u for u in users if u["role"] == "learner"])
    if data_type == "course_count":
        return len(data.collection(COURSES))
    return len(data.collection(USER_GROUPS))


# materials


def create_material(data: VendorData, fields: Mapping[str, Any], created_at: str | None = None) -> Record:
    """A material of the content library (the scenario's and the factory's): a named file of a type."""
    kind = str(fields.get("material_type") or "document")
    if kind not in MATERIAL_TYPES:
        raise InvalidInput(f"material_type must be one of {', '.join(MATERIAL_TYPES)}", field="material_type")
    name = str(fields.get("name") or "").strip()
    if not name:
        raise InvalidInput("A material needs a name", field="name")
    extension, content_type = MATERIAL_TYPES[kind]
    stamp = created_at or iso(now(data))
    record: Record = {
        "id": str(new_id(data)),
        "name": name,
        "material_type": kind,
        "file_name": str(fields.get("file_name") or f"{name.lower().replace(' ', '_')}.{extension}"),
        "content_type": content_type,
        "file_size": int(fields.get("file_size") or 1024),
        "created_at": stamp,
        "updated_at": stamp,
    }
    return data.insert(MATERIALS, record)


def material_answer(record: Record) -> Record:
    return {**record, "id": int(record["id"]), "model_type": "material"}


def list_materials(data: VendorData) -> list[Record]:
    return sorted(data.collection(MATERIALS).values(), key=lambda m: int(m["id"]))


# payments


def create_payment(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """A payment for a course (the scenario's and the factory's), made at ``created_at`` (default now)."""
    status = str(fields.get("status") or "complete")
    kind = str(fields.get("payment_type") or "paypal")
    if status not in PAYMENT_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(PAYMENT_STATUSES)}", field="status")
    if kind not in PAYMENT_TYPES:
        raise InvalidInput(f"payment_type must be one of {', '.join(PAYMENT_TYPES)}", field="payment_type")
    made = parse_time(fields["created_at"], "created_at") if fields.get("created_at") else now(data)
    amount = f"{float(fields.get('amount') or 49):.2f}"
    number = str(fields.get("transaction_number") or f"TXN{new_id(data):014d}")
    ipn = fields.get("latest_ipn_data")
    if ipn is None and kind == "paypal":
        ipn = f"payment_status={status.title()}&mc_gross={amount}&mc_currency=USD&txn_id={number}"
    record: Record = {
        "id": str(new_id(data)),
        "status": status,
        "transaction_number": number,
        "amount": amount,
        "first_name": str(fields.get("first_name") or ""),
        "last_name": str(fields.get("last_name") or ""),
        "payer_email": str(fields.get("payer_email") or ""),
        "latest_ipn_data": ipn,
        "payment_type": kind,
        "course_id": int(fields["course_id"]) if fields.get("course_id") is not None else None,
        "created_at": iso(made),
    }
    return data.insert(PAYMENTS, record)


def payment_answer(record: Record) -> Record:
    return {
        "id": int(record["id"]),
        "model_type": "payment",
        **{k: v for k, v in record.items() if k != "id"},
    }


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    chosen = str(value).strip().lower()
    if chosen not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}", field=name)
    return chosen


def _days(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdecimal() or not is_numeral(text, "integer"):
        raise InvalidInput(
            "created_after_days_ago must be a whole number of days", field="created_after_days_ago"
        )
    return int(text)


def _days_before(moment: datetime, days: int) -> datetime | None:
    """``days`` days before ``moment``; ``None`` when that is before the calendar starts (no limit)."""
    try:
        return moment - timedelta(days=days)
    except OverflowError:
        return None


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def list_payments(data: VendorData, fields: Mapping[str, Any]) -> list[Record]:
    """get_payments: of a ``status`` and ``payment_type``, made in the last ``created_after_days_ago``
    days (sandbox clock), newest first."""
    status = _choice(fields.get("status"), PAYMENT_STATUSES, "status")
    kind = _choice(fields.get("payment_type"), PAYMENT_TYPES, "payment_type")
    days = _days(fields.get("created_after_days_ago"))
    found = list(data.collection(PAYMENTS).values())
    if status is not None:
        found = [p for p in found if p["status"] == status]
    if kind is not None:
        found = [p for p in found if p["payment_type"] == kind]
    since = _days_before(now(data), days) if days is not None else None
    if since is not None:
        found = [p for p in found if _moment(p["created_at"]) >= since]
    return sorted(found, key=lambda p: (_moment(p["created_at"]), int(p["id"])), reverse=True)
