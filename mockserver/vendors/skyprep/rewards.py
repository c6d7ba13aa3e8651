"""SkyPrep's rewards as plain functions over the store: gamification points, skills and competencies.

Nothing here stores a balance. A user's gamification balance is the sum of its gamification
transactions, and its balance in a skill the sum of its transactions in that skill; a transaction's
``balance`` is the running sum up to it (transactions are ordered by id). A competency asks for points in
some skills; a user achieves it at the first of its skill transactions after which every one of those
balances reaches the points asked (and keeps it: an award is history, later deductions do not take it
back). Skill leaderboards, acquired counts and awards are all read from the transactions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...errors import Conflict, InvalidInput
from ...store import Record, VendorData
from .model import (
    COMPETENCIES,
    COMPETENCY_SKILLS,
    GAMIFICATION_TRANSACTIONS,
    SKILL_TRANSACTIONS,
    SKILLS,
    USERS,
    find_record,
    link_id,
    new_id,
    now,
    stamp,
)

# The counts get_skill's details show that the API has no call to change (the scenario sets them).
SKILL_COUNTS = ("course_count", "assessment_count", "checklist_count", "learning_path_count")
# The largest amount one transaction may move (the sandbox's bound, to keep sums in 32-bit range).
MAX_AMOUNT = 1_000_000


def _by_id(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: int(r["id"]))


def _display_name(user: Record) -> str:
    return f"{user.get('first_name') or ''} {user.get('last_name') or ''}".strip() or str(user["email"])


def amount_of(fields: Mapping[str, Any]) -> int:
    """The ``amount`` of a transaction: a whole number of points, not 0, within +/-MAX_AMOUNT."""
    amount = fields.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("amount must be a whole number of points, e.g. 200 or -200", field="amount")
    if amount == 0 or abs(amount) > MAX_AMOUNT:
        raise InvalidInput(f"amount must not be 0 and at most {MAX_AMOUNT} either way", field="amount")
    return amount


def _unique_transaction_id(data: VendorData) -> str:
    # From the store's generator, so seeded transactions are the same for the same seed.
    return f"{data.random.getrandbits(256):064x}"


# gamification


def gamification_balance(data: VendorData, user: Record) -> int:
    """get_user_gamification_balance: the sum of the user's gamification transactions."""
    return sum(int(t["amount"]) for t in data.find(GAMIFICATION_TRANSACTIONS, "user_id", user["id"]))


def create_gamification_transaction(data: VendorData, user: Record, fields: Mapping[str, Any]) -> Record:
    """create_gamification_transaction: points given (or taken, with a negative amount); a deduction
    below a zero balance is refused."""
    amount = amount_of(fields)
    balance = gamification_balance(data, user)
    if balance + amount < 0:
        # 409: the amount is valid; the user's balance (state) cannot cover it.
        raise Conflict(f"amount {amount} would take the user's balance of {balance} below 0", field="amount")
    description = fields.get("description")
    made: Record = {
        "id": str(new_id(data)),
        "user_id": user["id"],
        "amount": amount,
        "description": None if description is None else str(description),
        "unique_transaction_id": _unique_transaction_id(data),
        "created_at": stamp(now(data)),
    }
    return data.insert(GAMIFICATION_TRANSACTIONS, made)


def gamification_answer(data: VendorData, transaction: Record) -> Record:
    """A gamification transaction as the API answers it, with the user's balance just after it."""
    mine = data.find(GAMIFICATION_TRANSACTIONS, "user_id", transaction["user_id"])
    upto = int(transaction["id"])
    return {
        "id": upto,
        "user_id": int(transaction["user_id"]),
        "amount": int(transaction["amount"]),
        "description": transaction["description"],
        "balance": sum(int(t["amount"]) for t in mine if int(t["id"]) <= upto),
        "unique_transaction_id": transaction["unique_transaction_id"],
    }


# skills


def find_skill(data: VendorData, skill_id: Any) -> Record:
    """The skill named by ``skill_id``; 400 without one, 404 for an unknown id."""
    return find_record(data, SKILLS, skill_id, "skill_id", "skill")


def _display(fields: Mapping[str, Any]) -> str:
    """The display name of a new skill or competency (``display_name``, else ``name``); 400 when empty."""
    display = str(fields.get("display_name") or fields.get("name") or "").strip()
    if not display:
        raise InvalidInput("display_name must not be empty", field="display_name")
    return display


def _named(data: VendorData, display: str, fields: Mapping[str, Any]) -> Record:
    """What a new skill and a new competency both hold: a fresh id, the names, a description."""
    return {
        "id": str(new_id(data)),
        "display_name": display,
        "name": display.lower(),
        "description": str(fields.get("description") or ""),
    }


def create_skill(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """A skill (the API has no call that makes one: the scenario and the factory do)."""
    display = _display(fields)
    skill: Record = {
        **_named(data, display, fields),
        **{count: int(fields.get(count) or 0) for count in SKILL_COUNTS},
    }
    return data.insert(SKILLS, skill)


def list_skills(data: VendorData) -> list[Record]:
    return _by_id(list(data.collection(SKILLS).values()))


def skill_answer(data: VendorData, skill: Record) -> Record:
    """A skill as get_skills answers it; ``competency_count`` is how many competencies ask for it."""
    return {
        "display_name": skill["display_name"],
        "name": skill["name"],
        "id": int(skill["id"]),
        "description": skill["description"],
        "competency_count": len(data.find(COMPETENCY_SKILLS, "skill_id", skill["id"])),
    }


def _skill_totals(data: VendorData, field: str, value: str, *, by: str) -> dict[str, int]:
    """The amounts of the skill transactions whose ``field`` is ``value``, summed by their ``by`` field."""
    totals: dict[str, int] = {}
    for transaction in data.find(SKILL_TRANSACTIONS, field, value):
        totals[transaction[by]] = totals.get(transaction[by], 0) + int(transaction["amount"])
    return totals


def leaderboard(data: VendorData, skill: Record) -> list[Record]:
    """The users with a balance above 0 in the skill, highest first (ties by user id)."""
    balances = _skill_totals(data, "skill_id", skill["id"], by="user_id")
    users = data.collection(USERS)
    ranked = sorted(
        ((uid, b) for uid, b in balances.items() if b > 0 and uid in users), key=lambda e: (-e[1], int(e[0]))
    )
    return [
        {"user_id": int(uid), "user_display_name": _display_name(users[uid]), "balance": balance}
        for uid, balance in ranked
    ]


def skill_detail(data: VendorData, skill: Record) -> Record:
    """get_skill: the skill with its details: the scenario's counts, its leaderboard and who acquired it."""
    made = skill_answer(data, skill)
    board = leaderboard(data, skill)
    made["details"] = {
        **{count: int(skill[count]) for count in SKILL_COUNTS},
        "users_acquired_count": len(board),
        "competency_count": made["competency_count"],
        "leaderboard": board,
    }
    return made


def skill_balances(data: VendorData, user: Record) -> list[Record]:
    """The user's balance in every skill it has a transaction in, in skill id order."""
    balances = _skill_totals(data, "user_id", user["id"], by="skill_id")
    skills = data.collection(SKILLS)
    return [
        {"skill_id": int(sid), "skill_name": skills[sid]["display_name"], "balance": balances[sid]}
        for sid in sorted(balances, key=int)
        if sid in skills
    ]


def create_skill_transaction(data: VendorData, user: Record, fields: Mapping[str, Any]) -> Record:
    """create_skill_transaction: points in a skill given (or taken); a deduction below 0 is refused."""
    skill = find_skill(data, fields.get("skill_id"))
    amount = amount_of(fields)
    balance = sum(
        int(t["amount"])
        for t in data.find(SKILL_TRANSACTIONS, "user_id", user["id"])
        if t["skill_id"] == skill["id"]
    )
    if balance + amount < 0:
        raise Conflict(
            f"amount {amount} would take the user's balance of {balance} in skill {skill['id']} below 0",
            field="amount",
        )
    made: Record = {
        "id": str(new_id(data)),
        "user_id": user["id"],
        "skill_id": skill["id"],
        "amount": amount,
        "created_at": stamp(now(data)),
    }
    return data.insert(SKILL_TRANSACTIONS, made)


# competencies


def find_competency(data: VendorData, competency_id: Any) -> Record:
    """The competency named by ``competency_id``; 400 without one, 404 for an unknown id."""
    return find_record(data, COMPETENCIES, competency_id, "competency_id", "competency")


def create_competency(
    data: VendorData, fields: Mapping[str, Any], points: Mapping[str, int], rid: int | None = None
) -> Record:
    """A competency asking for ``points`` (skill id -> points); the API cannot make one either.

    ``rid`` fixes its id (a scenario's named competency, at the id the spec's examples name).
    """
    display = _display(fields)
    for sid, needed in points.items():
        find_skill(data, sid)
        if needed < 1:
            raise InvalidInput("a competency asks for at least 1 point in each skill", field="points")
    competency = _named(data, display, fields)
    if rid is not None:
        competency["id"] = str(rid)
    data.insert(COMPETENCIES, competency)
    for sid, needed in points.items():
        data.insert(
            COMPETENCY_SKILLS,
            {
                "id": link_id(competency["id"], str(sid)),
                "competency_id": competency["id"],
                "skill_id": str(sid),
                "points": int(needed),
            },
        )
    return competency


def list_competencies(data: VendorData) -> list[Record]:
    return _by_id(list(data.collection(COMPETENCIES).values()))


def _asks(data: VendorData, competency: Record) -> dict[str, int]:
    """Skill id -> the points the competency asks for, in skill id order."""
    links = data.find(COMPETENCY_SKILLS, "competency_id", competency["id"])
    return {link["skill_id"]: int(link["points"]) for link in sorted(links, key=lambda k: int(k["skill_id"]))}


def competency_answer(data: VendorData, competency: Record) -> Record:
    """A competency as get_competencies answers it: its skills, each with the points asked."""
    skills = data.collection(SKILLS)
    return {
        "display_name": competency["display_name"],
        "name": competency["name"],
        "id": int(competency["id"]),
        "description": competency["description"],
        "skills": [
            {**skill_answer(data, skills[sid]), "points": points}
            for sid, points in _asks(data, competency).items()
            if sid in skills
        ],
    }


def achieved_at(data: VendorData, user_id: str, competency: Record) -> str | None:
    """When the user achieved the competency (its ``created_at`` stamp), or None."""
    asks = _asks(data, competency)
    if not asks:
        return None
    balances = dict.fromkeys(asks, 0)
    for transaction in _by_id(data.find(SKILL_TRANSACTIONS, "user_id", user_id)):
        if transaction["skill_id"] in balances:
            balances[transaction["skill_id"]] += int(transaction["amount"])
            if all(balances[sid] >= points for sid, points in asks.items()):
                return str(transaction["created_at"])
    return None


def _award_date(moment: str) -> str:
    """A store stamp ("June 23 2013 12:00:00") as the doc's awards show dates ("February 1, 2022")."""
    parsed = datetime.strptime(moment, "%B %d %Y %H:%M:%S")
    return f"{parsed:%B} {parsed.day}, {parsed.year}"


def awards(data: VendorData, competency: Record) -> list[Record]:
    """The users who achieved the competency, and when, earliest first."""
    users = data.collection(USERS)
    asks = _asks(data, competency)
    if not asks:
        return []
    # Only a user with a transaction in every skill asked for can have achieved it: look at one skill's.
    first = next(iter(asks))
    candidates = {t["user_id"] for t in data.find(SKILL_TRANSACTIONS, "skill_id", first)}
    found = []
    for uid in sorted(candidates, key=int):
        moment = achieved_at(data, uid, competency)
        if moment is not None and uid in users:
            found.append((datetime.strptime(moment, "%B %d %Y %H:%M:%S"), uid, moment))
    return [
        {
            "user_id": int(uid),
            "user_display_name": _display_name(users[uid]),
            "created_at": _award_date(moment),
        }
        for _, uid, moment in sorted(found, key=lambda e: (e[0], int(e[1])))
    ]


def competency_detail(data: VendorData, competency: Record) -> Record:
    """get_competency: the competency with its details: how many skills, and who achieved it, when."""
    made = competency_answer(data, competency)
    awarded = awards(data, competency)
    made["details"] = {
        "award_count": len(awarded),
        "skill_count": len(made["skills"]),
        "activity_awards": awarded,
    }
    return made


def user_rewards(data: VendorData, user: Record) -> Record:
    """get_user_skill_balances_and_competencies: the user's skill balances and achieved competencies."""
    achieved = []
    for competency in list_competencies(data):
        moment = achieved_at(data, user["id"], competency)
        if moment is not None:
            achieved.append(
                {
                    "competency_id": int(competency["id"]),
                    "competency_name": competency["display_name"],
                    "created_at": _award_date(moment),
                }
            )
    return {
        "user_email": user["email"],
        "user_id": int(user["id"]),
        "skill_balances": skill_balances(data, user),
        # Sic: the doc's field name.
        "competencies_achived": achieved,
    }
