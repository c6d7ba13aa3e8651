"""Track Apprenticeship Progress: the rules for recording progress, over VendorData.

An apprenticeship is identified by the apprentice's ULN and its planned start date (the 1st of a
month); progress is a percentage per KSB of the apprenticeship's standard. Each recording is kept
as its own snapshot, with an increasing ``progressId``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ...errors import InvalidInput, NotFound
from ...store import Record, VendorData

APPRENTICESHIPS = "apprenticeships"
PROGRESS = "progress"

INVALID_START_DATE = "Invalid start date (must start on the 1st)"
KSBS_REQUIRED = "KSBs are required"
# The spec's pattern for plannedStartDate: a real month, day 01.
START_DATE_PATTERN = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-01$"
# The vendor's extras key of [highest progressId handed out, size of the progress collection then].
_HIGH = "progress_high"


def apprenticeship_key(uln: int, planned_start: date) -> str:
    """The id of an apprenticeship record: ``<ULN>-<YYYY-MM-DD>``."""
    return f"{uln}-{planned_start.isoformat()}"


def parse_start_date(text: str) -> date:
    """A planned start date; it must be a real ``YYYY-MM-DD`` date on the 1st of a month."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(INVALID_START_DATE, field="plannedStartDate") from None
    if day.day != 1 or len(text) != 10:
        raise InvalidInput(INVALID_START_DATE, field="plannedStartDate")
    return day


def _ksb_values(ksbs: Sequence[Mapping[str, Any]] | None) -> list[Record]:
    if not ksbs:
        raise InvalidInput(KSBS_REQUIRED, field="ksbs")
    values = []
    for ksb in ksbs:
        value = ksb.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise InvalidInput(
                f"KSB {ksb.get('id')} has value {value!r}; values are whole percentages from 0 to 100",
                field="ksbs",
            )
        try:
            ksb_id = str(uuid.UUID(str(ksb.get("id"))))
        except ValueError:
            raise InvalidInput(f"KSB id {ksb.get('id')!r} is not a GUID", field="ksbs") from None
        values.append({"id": ksb_id, "value": value})
    return values


def find_apprenticeship(data: VendorData, uln: int, planned_start: date) -> Record:
    """The apprenticeship of ``uln`` starting on ``planned_start``; ``NotFound`` if there is none."""
    found = data.collection(APPRENTICESHIPS).get(apprenticeship_key(uln, planned_start))
    if found is None:
        raise NotFound(f"No apprenticeship for ULN {uln} with planned start date {planned_start.isoformat()}")
    return found


def record_progress(
    data: VendorData, uln: int, planned_start: str, ksbs: Sequence[Mapping[str, Any]] | None
) -> Record:
    """Record a progress snapshot; checks the start date, then the KSBs, then the apprenticeship."""
    start = parse_start_date(planned_start)
    values = _ksb_values(ksbs)
    apprenticeship = find_apprenticeship(data, uln, start)
    progress = data.collection(PROGRESS)
    progress_id = _next_progress_id(data, progress)
    record: Record = {
        "progressId": progress_id,
        "apprenticeshipId": apprenticeship["id"],
        "uln": uln,
        "plannedStartDate": start.isoformat(),
        "ksbs": values,
    }
    progress[str(progress_id)] = record
    data.extras[_HIGH] = [progress_id, len(progress)]
    return record


def _next_progress_id(data: VendorData, progress: Mapping[str, Record]) -> int:
    """One more than the highest ``progressId`` recorded, without reading every recording each time.

    Reading them all made each recording cost as much as every earlier one (quadratic under load).
    The highest id handed out is kept in the vendor's extras with the collection's size then; an
    import, restore or factory write since (another size, or that id gone) makes it read them once.
    """
    mark = data.extras.get(_HIGH)
    if mark is not None and mark[1] == len(progress) and str(mark[0]) in progress:
        next_id = int(mark[0]) + 1
    else:
        next_id = max((int(pid) for pid in progress), default=0) + 1
    # Never overwrite a recording, whatever was imported: an id is taken once.
    while str(next_id) in progress:
        next_id += 1
    return next_id


def progress_of(data: VendorData, uln: int, planned_start: str) -> list[Record]:
    """Every progress snapshot recorded for one apprenticeship, oldest first."""
    key = apprenticeship_key(uln, parse_start_date(planned_start))
    snapshots = [p for p in data.collection(PROGRESS).values() if p["apprenticeshipId"] == key]
    return sorted(snapshots, key=lambda p: int(p["progressId"]))
