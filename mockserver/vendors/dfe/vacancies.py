"""Display Advert API rules: search, sort, page and shape vacancies; reference data; legal entities.

Vacancies are stored in one canonical shape (v2's detail shape, plus the ids of the account and
legal entity that own the advert) and shaped per API version on the way out. Records may come from
the seeder, a fixture or a hand-edited state import, so reading is lenient: a v1-shaped record
(``address``/``otherAddresses``) is read as its v2 equivalent, and a record whose dates cannot be
read sorts last instead of failing the request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ...errors import Forbidden, InvalidInput, NotFound
from ...store import Record, VendorData
from .reference import ROUTES, STANDARDS, minimum_rates, yearly_pay_text

VACANCIES = "vacancies"
ACCOUNTS = "accounts"
LEGAL_ENTITIES = "legal_entities"
PROVIDERS = "providers"
SUBSCRIPTIONS = "subscriptions"

SORTS = ("AgeDesc", "AgeAsc", "DistanceDesc", "DistanceAsc", "ExpectedStartDateDesc", "ExpectedStartDateAsc")
MAX_ROUTES = 2
TOO_MANY_ROUTES = "Exceeded maximum of 2 routes to be filtered by"
BAD_ACCOUNT_IDENTIFIER = "Account Identifier is not in the correct format."
DETAILS_MAX_PAGE_SIZE = 100
EARTH_RADIUS_MILES = 3958.8
# "Today" for the advert rules when the seeder recorded none (state imported into a bare store).
DEFAULT_TODAY = date(2025, 9, 1)
TODAY_KEY = "advert_today"

# Fields every list item carries, in DfE's order; the version adds its address fields after `wage`...
_HEAD = (
    "title",
    "description",
    "numberOfPositions",
    "postedDate",
    "closingDate",
    "startDate",
    "wage",
    "hoursPerWeek",
    "expectedDuration",
)
_TAIL = (
    "employerName",
    "employerWebsiteUrl",
    "employerContactName",
    "employerContactPhone",
    "employerContactEmail",
    "course",
    "apprenticeshipLevel",
    "providerName",
    "ukprn",
    "isDisabilityConfident",
    "isNationalVacancy",
    "isNationalVacancyDetails",
    "vacancyUrl",
    "vacancyReference",
)
DETAIL_FIELDS = (
    "employerDescription",
    "trainingDescription",
    "additionalTrainingDescription",
    "outcomeDescription",
    "fullDescription",
    "skills",
    "qualifications",
    "thingsToConsider",
    "companyBenefitsInformation",
)
_ADDRESS_FIELDS = (
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "addressLine4",
    "postcode",
    "latitude",
    "longitude",
)
_NET_MIN_DATE = "0001-01-01T00:00:00Z"
_VALUE_DEFAULTS: dict[str, Any] = {
    "numberOfPositions": 0,
    "postedDate": _NET_MIN_DATE,
    "closingDate": _NET_MIN_DATE,
    "startDate": _NET_MIN_DATE,
    "hoursPerWeek": 0,
    "ukprn": 0,
    "isDisabilityConfident": False,
    "isNationalVacancy": False,
}
# v1 lists at most nine addresses besides the main one.
_MAX_OTHER_ADDRESSES = 9


@dataclass(frozen=True, slots=True)
class Subscription:
    """Who is calling, as APIM's ``x-request-context-subscription-name`` header says."""

    type: str  # Employer | Provider | External | Unknown
    account: str | None = None
    ukprn: int | None = None


def parse_subscription(header: str | None) -> Subscription:
    """Read ``Employer-<HASHEDID>-...``, ``Provider-<UKPRN>-...`` or ``External-<guid>-...``."""
    kind, _, rest = (header or "").partition("-")
    ident = rest.split("-", 1)[0]
    if kind.lower() == "employer" and ident:
        return Subscription("Employer", account=ident.upper())
    if kind.lower() == "provider" and ident.isdigit():
        return Subscription("Provider", ukprn=int(ident))
    if kind.lower() == "external":
        return Subscription("External")
    return Subscription("Unknown")


@dataclass(frozen=True, slots=True)
class Search:
    """The query of ``GET /vacancy`` (v1 and v2 parameters together; each version reads its own)."""

    version: int = 2
    page_number: int = 1
    page_size: int = 10
    sort: str = "AgeDesc"
    lat: float | None = None
    lon: float | None = None
    distance_in_miles: int | None = None
    standard_lars_codes: tuple[int, ...] = ()
    routes: tuple[str, ...] = ()
    posted_in_last_number_of_days: int | None = None
    ukprn: int | None = None
    account_legal_entity_public_hashed_id: str | None = None
    filter_by_subscription: bool = False
    nation_wide_only: bool = False
    employer_name: str | None = None
    exclude_recruiting_nationally: bool = False
    include_details: bool = False


def today(data: VendorData) -> date:
    """The sandbox's "today" for adverts: the scenario's anchor date (so data never goes stale),
    moved by as many days as the sandbox clock has been moved."""
    value = data.extras.get(TODAY_KEY)
    return (value if isinstance(value, date) else DEFAULT_TODAY) + data.clock_shift()


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def vacancy_reference(record: Mapping[str, Any], key: str) -> str:
    """The reference a vacancy is served under: its own field, else its store id; "VAC" stripped."""
    raw = str(record.get("vacancyReference") or key).strip()
    return raw[3:] if raw.upper().startswith("VAC") else raw


def addresses_of(record: Mapping[str, Any]) -> list[Record]:
    """The vacancy's addresses, main one first, from either the v2 or the v1 stored shape."""
    return [_address(a) for a in _stored_addresses(record)]


def _stored_addresses(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = record.get("addresses")
    if not isinstance(found, list):
        main = record.get("address")
        others = record.get("otherAddresses")
        found = ([main] if isinstance(main, dict) else []) + (others if isinstance(others, list) else [])
    return [a for a in found if isinstance(a, dict)]


def _points(record: Mapping[str, Any]) -> list[tuple[float, float]]:
    """Where the vacancy's addresses are, read from the stored addresses as they are (a search reads
    every live vacancy's: not the copies ``addresses_of`` makes)."""
    return [p for p in map(_point, _stored_addresses(record)) if p is not None]


def _address(raw: Mapping[str, Any]) -> Record:
    # Blank lines are null in DfE's model, so they are omitted like every other null.
    return {k: raw[k] for k in _ADDRESS_FIELDS if raw.get(k) not in (None, "")}


_NUMBERS = (int, float)


def _point(address: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lon = address.get("latitude"), address.get("longitude")
    if isinstance(lat, _NUMBERS) and isinstance(lon, _NUMBERS):
        return float(lat), float(lon)
    return None


def _lars_code(record: Mapping[str, Any]) -> int | None:
    course = record.get("course")
    code = course.get("larsCode") if isinstance(course, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


@dataclass(slots=True)
class _Hit:
    reference: str
    record: Record
    distance: float | None = None


def _is_live(record: Mapping[str, Any], now: date) -> bool:
    closing = _when(record.get("closingDate"))
    return closing is None or closing.date() >= now


def live_vacancies(data: VendorData) -> list[_Hit]:
    """Every vacancy a search can return: still open, and with a standard (DfE drops the rest)."""
    now = today(data)
    return [
        _Hit(vacancy_reference(record, key), record)
        for key, record in data.collection(VACANCIES).items()
        if _is_live(record, now) and _lars_code(record) is not None
    ]


def _owns_legal_entity(data: VendorData, who: Subscription, entity_id: str) -> bool:
    entity = data.collection(LEGAL_ENTITIES).get(entity_id)
    if entity is None:
        return False
    if who.type == "Employer":
        return str(entity.get("accountPublicHashedId", "")).upper() == who.account
    if who.type == "Provider":
        return who.ukprn in _ukprns(entity)
    return False


def _ukprns(entity: Mapping[str, Any]) -> list[Any]:
    found = entity.get("trainingProviderUkprns")
    return found if isinstance(found, list) else []


def _number(value: Any) -> float:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    raise InvalidInput(f"'{value}' is not a valid number.", field="Lat")


def _filters(data: VendorData, query: Search, who: Subscription) -> list[Callable[[_Hit], bool]]:
    checks: list[Callable[[_Hit], bool]] = []
    entity = query.account_legal_entity_public_hashed_id
    if entity is not None:
        if not _owns_legal_entity(data, who, entity):
            raise Forbidden(f"Account legal entity {entity} does not belong to this subscription")
        checks.append(lambda h: h.record.get("accountLegalEntityPublicHashedId") == entity)
    if query.ukprn is not None:
        checks.append(lambda h: h.record.get("ukprn") == query.ukprn)
    if query.filter_by_subscription and who.type == "Employer":
        checks.append(lambda h: str(h.record.get("accountPublicHashedId", "")).upper() == who.account)
    elif query.filter_by_subscription and who.type == "Provider":
        checks.append(lambda h: h.record.get("ukprn") == who.ukprn)
    if query.standard_lars_codes:
        codes = set(query.standard_lars_codes)
        checks.append(lambda h: _lars_code(h.record) in codes)
    elif query.routes:
        routes = {r.casefold() for r in query.routes}
        checks.append(lambda h: str((h.record.get("course") or {}).get("route", "")).casefold() in routes)
    if query.posted_in_last_number_of_days is not None:
        now = today(data)
        # A uint may reach back past year 1: then every advert was posted within it.
        since = now - timedelta(days=min(query.posted_in_last_number_of_days, (now - date.min).days))
        checks.append(
            lambda h: (_when(h.record.get("postedDate")) or datetime.min.replace(tzinfo=UTC)).date() >= since
        )
    if query.version == 1 and query.nation_wide_only:
        checks.append(lambda h: h.record.get("isNationalVacancy") is True)
    if query.version >= 2 and query.employer_name:
        name = query.employer_name.casefold()
        checks.append(lambda h: name in str(h.record.get("employerName", "")).casefold())
    if query.version >= 2 and query.exclude_recruiting_nationally:
        checks.append(lambda h: h.record.get("isNationalVacancy") is not True)
    if query.distance_in_miles is not None and query.lat is not None and query.lon is not None:
        limit = query.distance_in_miles
        # Recruiting-nationally adverts match a location search wherever they are (as on FAA),
        # unless v2's ExcludeRecruitingNationally takes them out above.
        checks.append(
            lambda h: (
                h.record.get("isNationalVacancy") is True or (h.distance is not None and h.distance <= limit)
            )
        )
    return checks


def _sort_key(sort: str) -> Callable[[_Hit], tuple[Any, ...]]:
    floor = datetime.min.replace(tzinfo=UTC)

    def posted(h: _Hit) -> tuple[Any, ...]:
        return (_when(h.record.get("postedDate")) or floor, h.reference)

    def started(h: _Hit) -> tuple[Any, ...]:
        return (_when(h.record.get("startDate")) or floor, h.reference)

    def distance(h: _Hit) -> tuple[Any, ...]:
        return (h.distance if h.distance is not None else math.inf, h.reference)

    return {"Age": posted, "ExpectedStartDate": started, "Distance": distance}[
        sort.removesuffix("Asc").removesuffix("Desc")
    ]


def _ordered(hits: list[_Hit], sort: str, located: bool) -> list[_Hit]:
    if sort not in SORTS or (sort.startswith("Distance") and not located):
        # Distance sorts need Lat and Lon; without them DfE's default order applies.
        sort = "AgeDesc"
    key = _sort_key(sort)
    if sort.endswith("Asc"):
        return sorted(hits, key=key)
    if sort.startswith("Distance"):
        # Descending by distance, but adverts without a distance still last.
        known = sorted((h for h in hits if h.distance is not None), key=key, reverse=True)
        return known + sorted((h for h in hits if h.distance is None), key=key)
    return sorted(hits, key=key, reverse=True)


def search(data: VendorData, query: Search, who: Subscription) -> Record:
    """``GET /vacancy``: filter, sort and page the live vacancies into DfE's list envelope."""
    if len(query.routes) > MAX_ROUTES:
        # DfE validates the count before it decides to ignore Routes for StandardLarsCode.
        raise InvalidInput(TOO_MANY_ROUTES, field="Routes")
    located = query.lat is not None and query.lon is not None
    if located:
        lat, lon = _number(query.lat), _number(query.lon)
    hits = live_vacancies(data)
    now = today(data)
    if located:
        for hit in hits:
            points = _points(hit.record)
            if points:
                hit.distance = min(haversine_miles(lat, lon, *p) for p in points)
    checks = _filters(data, query, who)
    matching = [h for h in hits if all(check(h) for check in checks)]
    ordered = _ordered(matching, query.sort, located)
    start = (query.page_number - 1) * query.page_size
    page = ordered[start : start + query.page_size]
    detailed = query.version >= 2 and query.include_details and query.page_size <= DETAILS_MAX_PAGE_SIZE
    return {
        "vacancies": [shape(h.record, h.reference, query.version, now, detailed, h.distance) for h in page],
        "total": len(hits),
        "totalFiltered": len(matching),
        "totalPages": math.ceil(len(matching) / query.page_size),
    }


def _reference_of(key: str, record: Record) -> str:
    return vacancy_reference(record, key)


def get(data: VendorData, reference: str, version: int) -> Record:
    """``GET /vacancy/{vacancyReference}``: one live vacancy in its detail shape ("VAC" accepted)."""
    wanted = vacancy_reference({}, reference)
    by_reference = data.index(VACANCIES, "vacancyReference", value=_reference_of)
    now = today(data)
    # Imported state may serve two adverts under one reference: the first live one wins, as in a search.
    for record in data.collection(VACANCIES).in_order(by_reference.ids(wanted)):
        if _is_live(record, now) and _lars_code(record) is not None:
            return shape(record, wanted, version, now, detailed=True)
    raise NotFound(f"Vacancy {reference} was not found")


def _compact(value: Any) -> Any:
    # DfE serialises with WhenWritingNull: a null property is left out, at every depth.
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _worded(wage: Any, hours: Any, on: date) -> Any:
    """``wage`` as answered on day ``on``: an ``ApprenticeshipMinimum`` wage with no amount or text of its
    own gets the year's pay at the apprentice rate in force that day, as text (a real v2 answer has
    ``"wageAdditionalInformation": "£14,976 a year"`` for 36 hours at £8.00, and no ``wageAmount``)."""
    if (
        not isinstance(wage, dict)
        or wage.get("wageType") != "ApprenticeshipMinimum"
        or wage.get("wageAmount") is not None
        or wage.get("wageAdditionalInformation")
        or not isinstance(hours, int | float)
        or isinstance(hours, bool)
    ):
        return wage
    worded = {k: v for k, v in wage.items() if k != "workingWeekDescription"}
    worded["wageAdditionalInformation"] = yearly_pay_text(hours, minimum_rates(on).apprentice)
    if "workingWeekDescription" in wage:
        worded["workingWeekDescription"] = wage["workingWeekDescription"]
    return worded


def shape(
    record: Mapping[str, Any],
    reference: str,
    version: int,
    on: date,
    detailed: bool = False,
    distance: float | None = None,
) -> Record:
    """A stored vacancy as ``version`` answers it on day ``on``: a list item, or the detail shape."""
    addresses = addresses_of(record)
    out: Record = {k: record.get(k) for k in _HEAD}
    out["wage"] = _worded(out["wage"], out["hoursPerWeek"], on)
    if version == 1:
        main = addresses[0] if addresses else None
        out["address"] = main
        out["otherAddresses"] = addresses[1 : 1 + _MAX_OTHER_ADDRESSES] or None
        point = _point(main) if main else None
        out["location"] = {"lat": point[0], "lon": point[1]} if point else None
    else:
        out["addresses"] = addresses
        out["applicationUrl"] = record.get("applicationUrl")
    # Not rounded: a real v2 answer carries the double as computed (``"distance": 6.69410372860631``).
    out["distance"] = distance
    out.update({k: record.get(k) for k in _TAIL})
    out["vacancyReference"] = reference
    for name, default in _VALUE_DEFAULTS.items():
        # Value types are never null in DfE's models: a hand-edited record missing one gets .NET's default.
        if out.get(name) is None:
            out[name] = default
    if detailed:
        out.update({k: record.get(k) for k in DETAIL_FIELDS})
    return dict(_compact(out))


def courses() -> Record:
    """``GET /referencedata/courses``: every standard an advert can be for."""
    return {
        "trainingCourses": [
            {"larsCode": s.lars_code, "title": s.title, "route": s.route, "type": "Standard"}
            for s in STANDARDS
        ]
    }


def routes() -> Record:
    """``GET /referencedata/courses/routes``: the occupational routes, by name."""
    return {"routes": [{"name": name} for name in ROUTES]}


def account_legal_entities(data: VendorData, who: Subscription) -> Record:
    """``GET /accountlegalentities``: the legal entities an employer or provider subscription can use."""
    if who.type == "Unknown":
        raise InvalidInput(BAD_ACCOUNT_IDENTIFIER)
    if who.type == "Employer":
        entities: Iterable[Record] = (
            e
            for e in data.collection(LEGAL_ENTITIES).values()
            if str(e.get("accountPublicHashedId", "")).upper() == who.account
        )
    elif who.type == "Provider":
        entities = (e for e in data.collection(LEGAL_ENTITIES).values() if who.ukprn in _ukprns(e))
    else:
        raise Forbidden("Only employer and provider subscriptions have account legal entities")
    accounts = data.collection(ACCOUNTS)
    found = []
    for entity in sorted(
        entities, key=lambda e: (str(e.get("accountPublicHashedId")), str(e.get("accountLegalEntityName")))
    ):
        account = accounts.get(str(entity.get("accountPublicHashedId")), {})
        found.append(
            _compact(
                {
                    "accountLegalEntityName": entity.get("accountLegalEntityName"),
                    "accountLegalEntityPublicHashedId": entity.get("accountLegalEntityPublicHashedId"),
                    "accountPublicHashedId": entity.get("accountPublicHashedId"),
                    "accountName": account.get("accountName"),
                }
            )
        )
    return {"accountLegalEntities": found}


def parse_version(value: str | None) -> int:
    """The X-Version header as a number (the gateway has already refused anything but 1 and 2)."""
    return 1 if (value or "").strip() == "1" else 2
