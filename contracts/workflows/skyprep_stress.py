"""SkyPrep under concurrent writers: users created, renamed and destroyed, gamification points given.

The derived view is a user's gamification balance (``get_user_gamification_balance``): it must be the
sum of the user's transactions in the export, and of the amounts the run's clients had acknowledged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .stress import CONTRIBUTE, DELETE, UPDATE, Client, Ledger, StressProfile, ViewCheck

USERS = "users"
TRANSACTIONS = "gamification_transactions"
CALLS = "/admin/api"


class SkyprepStress(StressProfile):
    """Users (create_user, update_user, destroy_user) and create_gamification_transaction."""

    api = "skyprep"
    does = frozenset({UPDATE, CONTRIBUTE, DELETE})
    lists = (USERS,)

    def __init__(self) -> None:
        # The transactions of each user, so a destroy also notes them as gone.
        self.given: dict[str, list[str]] = defaultdict(list)

    async def create(self, client: Client, tag: str) -> str:
        sent = {"email": f"{tag}@stress.example", "first_name": "Stress", "last_name": tag}
        return await self.created(client, USERS, f"{CALLS}/create_user", sent, 200, "create_user", "email")

    async def update(self, client: Client, handle: Any, tag: str) -> None:
        sent = {"first_name": f"Renamed {tag}"}
        await self.updated(
            client,
            USERS,
            handle,
            "POST",
            f"{CALLS}/update_user",
            sent,
            "update_user",
            json={"user_id": int(handle), **sent},
            named=False,
        )

    async def contribute(self, client: Client, handle: Any, tag: str) -> None:
        amount = client.random.randint(1, 500)
        made = await client.call(
            "POST",
            f"{CALLS}/create_gamification_transaction",
            json={"user_id": int(handle), "amount": amount, "description": tag},
            expect=200,
            what="create_gamification_transaction",
        )
        tid = str(made["id"])
        client.ledger.created(
            TRANSACTIONS, tid, {"user_id": handle, "amount": amount}, unique=("description", tag)
        )
        self.given[handle].append(tid)

    async def delete(self, client: Client, handle: Any) -> bool:
        await client.call(
            "POST", f"{CALLS}/destroy_user", json={"user_id": int(handle)}, expect=200, what="destroy_user"
        )
        client.ledger.deleted(USERS, handle)
        # A destroyed user's transactions go with it.
        for tid in self.given.pop(handle, []):
            client.ledger.deleted(TRANSACTIONS, tid)
        return True

    async def listed(self, client: Client) -> dict[str, list[str]]:
        users = await client.call("POST", f"{CALLS}/get_users", json={}, expect=200, what="get_users")
        return {USERS: [str(u["id"]) for u in users]}

    def views(self, state: Mapping[str, Any], ledger: Ledger) -> Iterable[ViewCheck]:
        return self.per_owner(
            ledger.of(USERS),
            (
                (str(t["user_id"]), int(t["amount"]))
                for t in state["collections"].get(TRANSACTIONS, {}).values()
            ),
            ((w.fields["user_id"], w.fields["amount"]) for w in ledger.of(TRANSACTIONS)),
            sum,
            _balance_check,
        )


def _balance_check(uid: str, exported: int, acknowledged: int) -> ViewCheck:
    async def check(client: Client) -> str | None:
        answer = await client.call(
            "POST",
            f"{CALLS}/get_user_gamification_balance",
            json={"user_id": int(uid)},
            expect=200,
            what="get_user_gamification_balance",
        )
        served = answer["gamification_balance"]
        if not served == exported == acknowledged:
            return (
                f"user {uid}'s gamification balance is {served}; the export's transactions sum to "
                f"{exported}, the acknowledged ones to {acknowledged}"
            )
        return None

    return check
