"""Deterministic Track Progress data: apprenticeships with their ULN, planned start date and KSBs.

Read from the scenario's ``track_progress`` section (every key optional)::

    track_progress:
      apprenticeships: 12              # how many to generate
      ksbs_per_apprenticeship: [6, 12] # inclusive range, drawn per apprenticeship
      records:                         # named apprenticeships tests can rely on
        - uln: 1234567890
          plannedStartDate: 2025-09-01
          ksbs: [<guid>, ...]
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from ...errors import FixtureError, InvalidInput
from ...store import Record, VendorData
from .progress import APPRENTICESHIPS, apprenticeship_key, parse_start_date

SECTION = "track_progress"
DEFAULTS: dict[str, Any] = {"apprenticeships": 12, "ksbs_per_apprenticeship": [6, 12], "records": []}
_KSB_TYPES = (("Knowledge", "K"), ("Skill", "S"), ("Behaviour", "B"))


def _guid(data: VendorData) -> str:
    return str(uuid.UUID(int=data.random.getrandbits(128), version=4))


def _month_start(anchor: date, months_back: int) -> date:
    index = anchor.year * 12 + anchor.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _ksbs(data: VendorData, ids: list[str]) -> list[Record]:
    # Knowledge first, then skills, then behaviours, numbered as standards number them (K1, S1, B1).
    ksbs, counts = [], {prefix: 0 for _, prefix in _KSB_TYPES}
    for position, ksb_id in enumerate(ids):
        kind, prefix = _KSB_TYPES[min(2, position * 3 // max(1, len(ids)))]
        counts[prefix] += 1
        ksbs.append({"id": ksb_id, "type": kind, "reference": f"{prefix}{counts[prefix]}"})
    return ksbs


def _apprenticeship(data: VendorData, uln: int, start: date, ksb_ids: list[str]) -> Record:
    record: Record = {
        "id": apprenticeship_key(uln, start),
        "uln": uln,
        "plannedStartDate": start.isoformat(),
        "firstName": data.faker.first_name(),
        "lastName": data.faker.last_name(),
        "ksbs": _ksbs(data, ksb_ids),
    }
    data.collection(APPRENTICESHIPS)[record["id"]] = record
    return record


def _named(data: VendorData, named: Mapping[str, Any]) -> Record:
    try:
        uln = int(named["uln"])
        start = parse_start_date(str(named["plannedStartDate"]))
        ksb_ids = [str(uuid.UUID(str(k))) for k in named.get("ksbs") or []]
    except (KeyError, TypeError, ValueError, InvalidInput) as exc:
        raise FixtureError(
            f"{SECTION}.records entry {dict(named)!r} needs a 10-digit uln, a plannedStartDate on the 1st "
            f"of a month and ksbs as GUIDs ({exc})"
        ) from None
    return _apprenticeship(data, uln, start, ksb_ids or [_guid(data) for _ in range(6)])


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``apprenticeships`` from the scenario's ``track_progress`` section and the seed."""
    section = scenario.get(SECTION) or {}
    unknown = set(section) - set(DEFAULTS)
    if unknown:
        raise FixtureError(f"unknown {SECTION} keys {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    settings = {**DEFAULTS, **section}
    anchor = date.fromisoformat(str(scenario.get("anchor_date", "2025-09-01")))
    for named in settings["records"] or []:
        _named(data, named)
    low, high = (int(n) for n in settings["ksbs_per_apprenticeship"])
    ulns = {int(r["uln"]) for r in data.collection(APPRENTICESHIPS).values()}
    for _ in range(int(settings["apprenticeships"])):
        uln = data.random.randint(1_000_000_000, 9_999_999_999)
        while uln in ulns:
            uln = data.random.randint(1_000_000_000, 9_999_999_999)
        ulns.add(uln)
        start = _month_start(anchor, data.random.randint(0, 24))
        _apprenticeship(data, uln, start, [_guid(data) for _ in range(data.random.randint(low, high))])
