"""SkyPrep's broken sandboxes: writes that answer success and change nothing, lookups and filters that lie."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from .blocks import Ask, Body, Fault, consult, drop_body_field, error_as_text, rewrite

P = "^/skyprep/admin/api"
CREDENTIALS = {"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"}


def _call(name: str) -> str:
    return f"{P}/{name}$"


def _sibling(scope: Scope, call: str) -> str:
    """The path of another call, under the same prefix as the request's."""
    return str(scope["path"]).rsplit("/", 1)[0] + f"/{call}"


def _success(scope: Scope) -> tuple[int, Body]:
    return 200, {"message": "success"}


def _one_apart(one: str, other: str) -> bool:
    return (
        len(one) == len(other)
        and sum(a != b for a, b in zip(one.casefold(), other.casefold(), strict=False)) <= 1
    )


async def _typo_tolerant_user(ask: Ask, scope: Scope, body: Body) -> tuple[int, Body] | None:
    """get_user by email answers the first user whose email is at most one character off (JSON only)."""
    email = body.get("user_email") if isinstance(body, dict) and not body.get("user_id") else None
    if not email or b"format=xml" in scope["query_string"]:
        return None
    _status, users = await ask("POST", _sibling(scope, "get_users"), CREDENTIALS)
    near = [user for user in users if _one_apart(str(user["email"]), str(email))]
    return (200, near[0]) if near else None


async def _read_instead(ask: Ask, scope: Scope, body: Body) -> tuple[int, Body] | None:
    """update_user answers the user as it reads, having changed nothing."""
    named = {k: v for k, v in (body or {}).items() if k in ("user_id", "user_email")}
    return await ask("POST", _sibling(scope, "get_user"), {**CREDENTIALS, **named})


async def _unrecorded_transaction(ask: Ask, scope: Scope, body: Body) -> tuple[int, Body] | None:
    """create_gamification_transaction answers a transaction it never records."""
    sent: dict[str, Any] = body or {}
    named = {k: v for k, v in sent.items() if k in ("user_id", "user_email", "email")}
    status, balance = await ask(
        "POST", _sibling(scope, "get_user_gamification_balance"), {**CREDENTIALS, **named}
    )
    if status != 200:
        return None
    amount = int(sent.get("amount", 0))
    return 200, {
        "id": 999_999,
        "user_id": int(sent.get("user_id", 0)),
        "amount": amount,
        "description": sent.get("description"),
        "balance": balance["gamification_balance"] + amount,
        "unique_transaction_id": "0" * 64,
    }


def _ignored(operation: str, what: str) -> Fault:
    """``operation`` answers success and changes nothing."""
    return Fault(
        f"{what} answers success and changes nothing",
        "skyprep",
        operation,
        ("workflow",),
        rewrite("POST", _call(operation), short_circuit=_success),
    )


FAULTS: tuple[Fault, ...] = (
    Fault(
        "get_user by email answers a near miss",
        "skyprep",
        "get_user",
        ("workflow",),
        consult("POST", _call("get_user"), _typo_tolerant_user),
    ),
    Fault(
        "user update answers the user unchanged",
        "skyprep",
        "update_user",
        ("workflow",),
        consult("POST", _call("update_user"), _read_instead),
    ),
    _ignored("update_course", "course update"),
    _ignored("enroll_user_in_course", "course enrollment"),
    _ignored("remove_user_from_course", "course unenrollment"),
    _ignored("enroll_user_in_user_group", "group membership"),
    _ignored("add_course_to_user_group", "a group's new course"),
    _ignored("remove_user_from_user_group", "leaving a group"),
    _ignored("destroy_user", "user delete"),
    _ignored("destroy_course", "course delete"),
    _ignored("destroy_user_group", "group delete"),
    _ignored("update_course_progress", "progress update"),
    Fault(
        "gamification transaction answered but not recorded",
        "skyprep",
        "create_gamification_transaction",
        ("workflow",),
        consult("POST", _call("create_gamification_transaction"), _unrecorded_transaction),
    ),
    Fault(
        "course progress status filter ignored",
        "skyprep",
        "get_course_progresses",
        ("workflow",),
        rewrite("POST", _call("get_course_progresses"), request=drop_body_field("status")),
    ),
    Fault(
        "not-found without SkyPrep's error body",
        "skyprep",
        "get_user",
        ("workflow",),
        rewrite("POST", _call("get_user"), response=error_as_text),
    ),
)
