"""DfE under concurrent writers: Track Apprenticeship Progress recordings, its one write.

The Display Advert API is read-only (vacancies come from scenarios and imports), and Track Progress
has no read, update or delete: each recording is a new snapshot with an increasing ``progressId``. So
the check is that every acknowledged recording is in the export, once, with the KSB values sent, and
that no two recordings were answered with the same ``progressId``. The apprenticeships recorded
against are the scenario's, taken from the export (the API lists none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .stress import Client, Rejected, StressProfile

PROGRESS = "progress"
APPRENTICESHIPS = "apprenticeships"
# Track Progress serves only version 1 (the vendor's client headers default to Display Advert's 2).
HEADERS = {"X-Version": "1"}


class DfeStress(StressProfile):
    """Progress recordings (``addApprenticeshipProgress``); nothing to update, delete or list."""

    api = "dfe"

    def __init__(self) -> None:
        # (ULN, planned start date, KSB ids) of each apprenticeship in the scenario.
        self.apprenticeships: list[tuple[int, str, list[str]]] = []

    async def prepare(self, client: Client, state: Mapping[str, Any]) -> None:
        self.apprenticeships = [
            (int(a["uln"]), str(a["plannedStartDate"]), [str(k["id"]) for k in a["ksbs"]])
            for a in state["collections"].get(APPRENTICESHIPS, {}).values()
            if a.get("ksbs")
        ]
        if not self.apprenticeships:
            raise Rejected("the export holds no apprenticeship with KSBs to record progress against")

    async def create(self, client: Client, tag: str) -> str:
        uln, start, ksbs = client.random.choice(self.apprenticeships)
        values = [{"id": ksb, "value": client.random.randint(0, 100)} for ksb in ksbs]
        made = await client.call(
            "POST",
            f"/apprenticeships/{uln}/{start}/progress",
            json={"progress": {"ksbs": values}},
            headers=HEADERS,
            expect=201,
            what="addApprenticeshipProgress",
        )
        pid = str(made["progressId"])
        client.ledger.created(PROGRESS, pid, {"uln": uln, "plannedStartDate": start, "ksbs": values})
        return pid
