"""Deterministic Track Progress data: apprenticeships with their ULN, planned start date and KSBs.

Each apprenticeship follows one of the standards of the Display Advert reference data; the KSBs
(knowledge, skills, behaviours) belong to the standard, and their ids are derived from its LARS
code, so they stay the same whatever the seed. Read from the scenario's ``track_progress`` section
(every key optional)::

    track_progress:
      apprenticeships: 12           # how many to generate
      ksbs_per_standard: [6, 12]    # inclusive range; each standard's count follows from its code
      records:                      # named apprenticeships tests can rely on
        - uln: 1234567890
          plannedStartDate: 2025-09-01
          larsCode: 2               # optional: the standard
          ksbs: [<guid>, ...]       # optional: the KSB ids (else the standard's)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from ...errors import FixtureError, InvalidInput
from ...store import Record, VendorData
from .progress import APPRENTICESHIPS, apprenticeship_key, parse_start_date
from .reference import STANDARDS, STANDARDS_BY_CODE, Standard

SECTION = "track_progress"
DEFAULTS: dict[str, Any] = {"apprenticeships": 12, "ksbs_per_standard": [6, 12], "records": []}
# The scenario's KSB range, kept beside the collections so apprenticeships made later agree with it.
KSB_RANGE_KEY = "track_progress_ksbs_per_standard"
# Namespace of the KSB ids derived from a standard's LARS code and the KSB's reference (K1, S2, ...).
_KSB_NAMESPACE = uuid.UUID("0c6f3b9e-8a51-4d2c-b7e4-2f9d1a6c5e38")
_KSB_TYPES = (("Knowledge", "K"), ("Skill", "S"), ("Behaviour", "B"))


def _month_start(anchor: date, months_back: int) -> date:
    index = anchor.year * 12 + anchor.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _ksbs(ids: list[str]) -> list[Record]:
    # Knowledge first, then skills, then behaviours, numbered as standards number them (K1, S1, B1).
    ksbs, counts = [], {prefix: 0 for _, prefix in _KSB_TYPES}
    for position, ksb_id in enumerate(ids):
        kind, prefix = _KSB_TYPES[min(2, position * 3 // max(1, len(ids)))]
        counts[prefix] += 1
        ksbs.append({"id": ksb_id, "type": kind, "reference": f"{prefix}{counts[prefix]}"})
    return ksbs


class _Seeder:
    def __init__(self, data: VendorData, low: int, high: int) -> None:
        self.data = data
        self.low, self.high = low, high
        self.standard_ksbs: dict[int, list[Record]] = {}

    def ksbs_of(self, standard: Standard) -> list[Record]:
        """The standard's KSBs: how many, and their ids, follow from its LARS code alone."""
        if standard.lars_code not in self.standard_ksbs:
            spread = uuid.uuid5(_KSB_NAMESPACE, str(standard.lars_code)).int % (self.high - self.low + 1)
            count = self.low + spread
            refs = [k["reference"] for k in _ksbs(["" for _ in range(count)])]
            ids = [str(uuid.uuid5(_KSB_NAMESPACE, f"{standard.lars_code}/{ref}")) for ref in refs]
            self.standard_ksbs[standard.lars_code] = _ksbs(ids)
        return [dict(ksb) for ksb in self.standard_ksbs[standard.lars_code]]

    def apprenticeship(self, uln: int, start: date, standard: Standard, ksbs: list[Record]) -> Record:
        record: Record = {
            "id": apprenticeship_key(uln, start),
            "uln": uln,
            "plannedStartDate": start.isoformat(),
            "firstName": self.data.faker.first_name(),
            "lastName": self.data.faker.last_name(),
            "standard": {"larsCode": standard.lars_code, "title": standard.title},
            "ksbs": ksbs,
        }
        self.data.collection(APPRENTICESHIPS)[record["id"]] = record
        return record

    def new_uln(self) -> int:
        """A random ULN no apprenticeship has yet."""
        ulns = {int(r["uln"]) for r in self.data.collection(APPRENTICESHIPS).values()}
        uln = self.data.random.randint(1_000_000_000, 9_999_999_999)
        while uln in ulns:
            uln = self.data.random.randint(1_000_000_000, 9_999_999_999)
        return uln

    def named(self, named: Mapping[str, Any]) -> Record:
        try:
            uln = int(named["uln"])
            start = parse_start_date(str(named["plannedStartDate"]))
            standard = STANDARDS_BY_CODE[int(named.get("larsCode", STANDARDS[0].lars_code))]
            ksb_ids = [str(uuid.UUID(str(k))) for k in named.get("ksbs") or []]
        except (KeyError, TypeError, ValueError, InvalidInput) as exc:
            raise FixtureError(
                f"{SECTION}.records entry {dict(named)!r} needs a 10-digit uln, a plannedStartDate on the "
                f"1st of a month, and if given a larsCode of the reference data and ksbs as GUIDs ({exc!r})"
            ) from None
        if not 1_000_000_000 <= uln <= 9_999_999_999:
            raise FixtureError(f"{SECTION}.records entry {dict(named)!r}: a ULN has 10 digits")
        if ksb_ids:
            # Named KSBs are the standard's: generated apprenticeships on it share them.
            known = self.standard_ksbs.setdefault(standard.lars_code, _ksbs(ksb_ids))
            if [k["id"] for k in known] != ksb_ids:
                raise FixtureError(
                    f"{SECTION}.records entry for ULN {uln} gives standard {standard.lars_code} other KSBs "
                    "than an earlier entry; KSBs belong to the standard"
                )
        return self.apprenticeship(uln, start, standard, self.ksbs_of(standard))


def make_apprenticeship(data: VendorData, named: Mapping[str, Any], anchor: date) -> Record:
    """One apprenticeship added to seeded ``data``; ``named`` as a ``records`` entry, every key optional.

    A missing ULN is a new random one, a missing start the 1st of one of the 24 months before
    ``anchor``, a missing standard a random one; KSBs are the standard's, as the seeded ones on it.
    """
    low, high = data.extras.get(KSB_RANGE_KEY, DEFAULTS["ksbs_per_standard"])
    seeder = _Seeder(data, int(low), int(high))
    for record in data.collection(APPRENTICESHIPS).values():
        code = (record.get("standard") or {}).get("larsCode")
        if isinstance(code, int) and isinstance(record.get("ksbs"), list):
            seeder.standard_ksbs.setdefault(code, [dict(k) for k in record["ksbs"]])
    filled = dict(named)
    if filled.get("uln") is None:
        filled["uln"] = seeder.new_uln()
    if filled.get("plannedStartDate") is None:
        filled["plannedStartDate"] = _month_start(anchor, data.random.randint(0, 24)).isoformat()
    if filled.get("larsCode") is None:
        filled["larsCode"] = data.random.choice(STANDARDS).lars_code
    return seeder.named(filled)


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``apprenticeships`` from the scenario's ``track_progress`` section and the seed."""
    section = scenario.get(SECTION) or {}
    unknown = set(section) - set(DEFAULTS)
    if unknown:
        raise FixtureError(f"unknown {SECTION} keys {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    settings = {**DEFAULTS, **section}
    anchor = date.fromisoformat(str(scenario.get("anchor_date", "2025-09-01")))
    low, high = (int(n) for n in settings["ksbs_per_standard"])
    data.extras[KSB_RANGE_KEY] = (low, high)
    seeder = _Seeder(data, low, high)
    for named in settings["records"] or []:
        seeder.named(named)
    for _ in range(int(settings["apprenticeships"])):
        uln = seeder.new_uln()
        start = _month_start(anchor, data.random.randint(0, 24))
        standard = data.random.choice(STANDARDS)
        seeder.apprenticeship(uln, start, standard, seeder.ksbs_of(standard))
