"""ApprentiScope under concurrent writers: users created, renamed and deleted, OJT hours submitted.

The derived view is a user's OJT progress (``read-progress/{id}/1``): its hours must be the sum of
the user's type-1 submissions in the export, and of the hours the run's clients had acknowledged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .stress import CONTRIBUTE, DELETE, UPDATE, Client, Ledger, Rejected, StressProfile, ViewCheck

USERS = "users"
SUBMISSIONS = "submissions"
OJT = 1
STATUSES = ("Active", "Suspended", "Completed")


class ApprentiScopeStress(StressProfile):
    """Users (create, update, delete) and OJT hours against the user's program."""

    api = "apprentiscope"
    does = frozenset({UPDATE, CONTRIBUTE, DELETE})
    lists = (USERS, SUBMISSIONS)

    def __init__(self) -> None:
        self.program = ""
        self.company = ""
        self.competencies: list[str] = []
        # The submissions of each user, so a delete also notes its submissions as gone.
        self.submitted: dict[str, list[str]] = defaultdict(list)

    async def prepare(self, client: Client, state: Mapping[str, Any]) -> None:
        occupations = await client.call("GET", "/read-occupations", expect=200, what="readOccupations")
        occupation = next((o for o in occupations if o.get("ojt_competencies")), None)
        if occupation is None:
            raise Rejected("readOccupations: no occupation with OJT competencies")
        self.program = str(occupation["id"])
        self.competencies = [str(c["id"]) for c in occupation["ojt_competencies"]]
        employers = await client.call("GET", "/read-partners/employer", expect=200, what="readPartners")
        self.company = str(employers[0]["id"]) if employers else ""

    async def create(self, client: Client, tag: str) -> str:
        user = {
            "first_name": "Stress",
            "last_name": tag,
            "email": f"{tag}@stress.example",
            "user_type": "apprentice",
            "program_id": self.program,
            "apprentice_status": "Active",
        }
        if self.company:
            user["company_id"] = self.company
        made = await client.call("POST", "/create-user", json={"user": user}, expect=201, what="createUser")
        uid = str(made["id"])
        client.ledger.created(
            USERS,
            uid,
            {k: user[k] for k in ("first_name", "last_name", "email", "apprentice_status")},
            unique=("email", user["email"]),
        )
        return uid

    async def update(self, client: Client, handle: Any, tag: str) -> None:
        item = {"first_name": f"Renamed {tag}", "apprentice_status": client.random.choice(STATUSES)}
        answer = await client.call(
            "PUT", f"/update-user/{handle}", json={"item": item}, expect=200, what="updateUser"
        )
        if {k: answer.get(k) for k in item} != item:
            raise Rejected(f"updateUser {handle}: the answer shows {answer} after {item}")
        client.ledger.updated(USERS, handle, item)

    async def contribute(self, client: Client, handle: Any, tag: str) -> None:
        hours = client.random.randint(1, 8)
        competency = client.random.choice(self.competencies)
        item = {"date_obj": "2025-03-14", "competencies": [{"id": competency, "hours_worked": hours}]}
        made = await client.call(
            "POST", f"/submit-hours/{handle}/{OJT}", json={"item": item}, expect=201, what="submitHours"
        )
        sid = str(made["id"])
        client.ledger.created(SUBMISSIONS, sid, {"uid": handle, "type": OJT, "total_hours": hours})
        self.submitted[handle].append(sid)

    async def delete(self, client: Client, handle: Any) -> bool:
        await client.call("DELETE", f"/delete-user/{handle}", expect=200, what="deleteUser")
        client.ledger.deleted(USERS, handle)
        # A user's submissions go with it.
        for sid in self.submitted.pop(handle, []):
            client.ledger.deleted(SUBMISSIONS, sid)
        return True

    async def listed(self, client: Client) -> dict[str, list[str]]:
        users = await client.call("GET", "/read-users/all", expect=200, what="readUsers")
        hours = await client.call("GET", f"/read-submissions/{OJT}", expect=200, what="readSubmissions")
        return {USERS: [str(u["id"]) for u in users], SUBMISSIONS: [str(s["id"]) for s in hours]}

    def listable(self, collection: str, record: Mapping[str, Any]) -> bool:
        return collection != SUBMISSIONS or record.get("type") == OJT

    def views(self, state: Mapping[str, Any], ledger: Ledger) -> Iterable[ViewCheck]:
        return self.per_owner(
            ledger.of(USERS),
            (
                (s["uid"], sum(e["hours_worked"] for e in s["competencies"]))
                for s in state["collections"].get(SUBMISSIONS, {}).values()
                if s["type"] == OJT
            ),
            ((w.fields["uid"], w.fields["total_hours"]) for w in ledger.of(SUBMISSIONS)),
            _hours,
            _progress_check,
        )


def _hours(values: list[float]) -> float:
    return sum(values, 0.0)


def _progress_check(uid: str, exported: float, acknowledged: float) -> ViewCheck:
    async def check(client: Client) -> str | None:
        progress = await client.call("GET", f"/read-progress/{uid}/{OJT}", expect=200, what="readProgress")
        served = float(progress["ojt"]["hours_completed"])
        if not served == exported == acknowledged:
            return (
                f"user {uid}'s OJT progress shows {served} hours; the export's submissions hold "
                f"{exported}, the acknowledged submissions {acknowledged}"
            )
        return None

    return check
