"""What DfE documents about adverts, as plain functions the DfE workflow model checks answers with.

Everything here reads adverts as a client receives them (v1 or v2 list items or details): the
fields both versions share, the addresses each version lists, and the documented orders.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

Advert = Mapping[str, Any]

EARTH_RADIUS_MILES = 3958.8
# Adverts' `distance` is rounded to 2 places, and implementations differ on the earth's radius.
DISTANCE_SLACK_MILES = 0.02
DISTANCE_SLACK_RATIO = 0.005
# Keys only one version's advert may carry: a v1 answer has none of v2's, a v2 answer none of v1's.
ONLY_V1 = ("address", "otherAddresses", "location")
ONLY_V2 = ("addresses", "applicationUrl")
# Fields a list item and its detail read carry but that depend on the search, not the advert.
SEARCH_FIELDS = ("distance",)
SORTS = ("AgeDesc", "AgeAsc", "DistanceDesc", "DistanceAsc", "ExpectedStartDateDesc", "ExpectedStartDateAsc")


def reference(advert: Advert) -> str:
    return str(advert.get("vacancyReference"))


def references(adverts: Iterable[Advert]) -> list[str]:
    return [reference(a) for a in adverts]


def lars_code(advert: Advert) -> Any:
    course = advert.get("course")
    return course.get("larsCode") if isinstance(course, Mapping) else None


def route(advert: Advert) -> str:
    course = advert.get("course")
    return str(course.get("route", "")) if isinstance(course, Mapping) else ""


def is_national(advert: Advert) -> bool:
    return advert.get("isNationalVacancy") is True


def when(value: Any) -> datetime | None:
    """A DfE date-time (``2025-09-01T17:25:00Z``), or ``None`` if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def wrong_version_keys(advert: Advert, version: str) -> list[str]:
    """The keys of the other version's shape that ``advert`` carries (none, when it is well shaped)."""
    foreign = ONLY_V2 if version == "1" else ONLY_V1
    return [key for key in foreign if key in advert]


def points(advert: Advert) -> list[tuple[float, float]]:
    """Coordinates of an advert's addresses: v1 ``address`` and ``otherAddresses``, or v2 ``addresses``."""
    found = list(advert.get("addresses") or [])
    if isinstance(advert.get("address"), Mapping):
        found.append(advert["address"])
    found += list(advert.get("otherAddresses") or [])
    out = []
    for address in found:
        lat, lon = address.get("latitude"), address.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            out.append((float(lat), float(lon)))
    return out


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def nearest_miles(advert: Advert, lat: float, lon: float) -> float | None:
    """Distance from (lat, lon) to the nearest of the advert's addresses; ``None`` without coordinates."""
    found = [haversine_miles(lat, lon, *p) for p in points(advert)]
    return min(found) if found else None


def slack(miles: float) -> float:
    return DISTANCE_SLACK_MILES + DISTANCE_SLACK_RATIO * miles


def sort_value(advert: Advert, sort: str) -> Any:
    """What ``sort`` orders adverts by (``None`` when the advert lacks it)."""
    if sort.startswith("Age"):
        return when(advert.get("postedDate"))
    if sort.startswith("ExpectedStartDate"):
        return when(advert.get("startDate"))
    distance = advert.get("distance")
    return float(distance) if isinstance(distance, int | float) else None


def out_of_order(adverts: list[Advert], sort: str) -> tuple[Advert, Advert] | None:
    """The first neighbouring pair ``sort`` would put the other way round; adverts lacking its value aside."""
    keyed = [(sort_value(a, sort), a) for a in adverts]
    valued = [(v, a) for v, a in keyed if v is not None]
    descending = sort.endswith("Desc")
    for (v1, a1), (v2, a2) in itertools.pairwise(valued):
        if (v1 < v2) if descending else (v1 > v2):
            return a1, a2
    return None


def posted_threshold_broken(included: Iterable[Advert], excluded: Iterable[Advert]) -> bool:
    """Whether some excluded advert was posted on a later day than some included one.

    ``PostedInLastNumberOfDays`` keeps the adverts posted on or after a day (today minus N, with the
    target's today), so the kept ones are exactly the newest by posting day.
    """
    kept = [d.date() for d in (when(a.get("postedDate")) for a in included) if d is not None]
    left = [d.date() for d in (when(a.get("postedDate")) for a in excluded) if d is not None]
    return bool(kept and left) and max(left) >= min(kept)


def posted_before(adverts: Iterable[Advert], days: int) -> set[str]:
    """References of the adverts posted over ``days`` days before the newest of them (by posting day)."""
    posted = {reference(a): d.date() for a in adverts if (d := when(a.get("postedDate"))) is not None}
    if not posted:
        return set()
    newest = max(posted.values())
    return {ref for ref, day in posted.items() if (newest - day).days > days}


def common_fields_differ(listed: Advert, read: Advert) -> dict[str, tuple[Any, Any]]:
    """Fields both a list item and its detail read carry, where they disagree (search fields aside)."""
    return {
        key: (listed[key], read[key])
        for key in listed.keys() & read.keys()
        if key not in SEARCH_FIELDS and listed[key] != read[key]
    }


def pages_expected(total: int, size: int) -> int:
    return math.ceil(total / size)


def items_expected(total: int, size: int, page: int) -> int:
    return max(0, min(size, total - (page - 1) * size))


Predicate = Callable[[Advert], bool]
