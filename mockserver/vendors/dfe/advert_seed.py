"""Deterministic Display Advert data: accounts, legal entities, providers, subscriptions, vacancies.

Each account works in one occupational route, so its legal entities are named like employers of
that route and most of its adverts are for that route's standards. Every date is relative to the
scenario's ``anchor_date`` (the advert rules' "today"), so a seed gives the same bytes on any day.
``AdvertSeeder`` makes one record at a time: ``seed`` drives it from a scenario, the test-data
factory (``factory.py``) from a test's arguments, on the same data.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from faker.providers.person.en_GB import Provider as BritishNames

from ...errors import FixtureError
from ...store import Record, VendorData
from . import reference as ref
from .advert_wording import WEEKS, article, details, lower, wage
from .reference import Place, Standard, minimum_rates
from .vacancies import (
    ACCOUNTS,
    DEFAULT_TODAY,
    LEGAL_ENTITIES,
    PROVIDERS,
    SUBSCRIPTIONS,
    TODAY_KEY,
    VACANCIES,
    today,
)

DEFAULT_SIZES: dict[str, Any] = {
    "accounts": 15,
    "legal_entities_per_account": [1, 3],
    "providers": 8,
    "vacancies": 120,
}
DEFAULT_KEY = "sandbox-subscription-key"
FIRST_REFERENCE = 1000020000
# Where each legal entity is based and its account's route: not fields DfE serves, so kept beside
# the collections (cleared by a reset), for records made after seeding to agree with the seeded ones.
HOMES_KEY = "advert_homes"
SECTORS_KEY = "advert_sectors"
_ENTITY_SUFFIXES = ("", " Services", " Holdings", " Group")

_FIRST_NAMES = BritishNames.first_names_female + BritishNames.first_names_male
_LAST_NAMES = tuple(BritishNames.last_names)
_PROVIDER_PATTERNS = (
    "{town} College",
    "{last} Training Ltd",
    "{town} College of Further Education",
    "{last} Learning Group Ltd",
    "{town} Skills Academy",
)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


def subscription_name(kind: str, ident: str) -> str:
    """The ``x-request-context-subscription-name`` APIM sends for a subscription."""
    return f"{kind}-{ident}-Sandbox"


class AdvertSeeder:
    """Makes Display Advert records one at a time into ``data``, with its seeded generators."""

    def __init__(self, data: VendorData, scenario: Mapping[str, Any]) -> None:
        self.data = data
        self.rnd = data.random
        self.anchor = date.fromisoformat(str(scenario.get("anchor_date", DEFAULT_TODAY.isoformat())))
        sizes = scenario.get("sizes", {}) or {}
        unknown = set(sizes) - set(DEFAULT_SIZES)
        if unknown:
            raise FixtureError(f"unknown sizes {sorted(unknown)}; known: {sorted(DEFAULT_SIZES)}")
        self.sizes = {**DEFAULT_SIZES, **sizes}
        self.records: Mapping[str, Any] = scenario.get("records", {}) or {}
        self.home: dict[str, Place] = data.extras.setdefault(HOMES_KEY, {})
        self.sector: dict[str, str] = data.extras.setdefault(SECTORS_KEY, {})
        self.next_reference = FIRST_REFERENCE

    @classmethod
    def resume(cls, data: VendorData) -> AdvertSeeder:
        """A seeder for records added to already seeded ``data`` (same "today", default sizes)."""
        return cls(data, {"anchor_date": today(data).isoformat()})

    # ids and names
    def hashed_id(self, collection: str) -> str:
        taken = self.data.collection(collection)
        while True:
            candidate = "".join(self.rnd.choice(ref.HASHED_ID_ALPHABET) for _ in range(6))
            if candidate not in taken:
                return candidate

    def person(self) -> tuple[str, str]:
        return self.rnd.choice(_FIRST_NAMES), self.rnd.choice(_LAST_NAMES)

    def _name(self, patterns: Sequence[str], town: str) -> str:
        return self.rnd.choice(patterns).format(
            last=self.rnd.choice(_LAST_NAMES), last2=self.rnd.choice(_LAST_NAMES), town=town
        )

    def place(self) -> Place:
        return self.rnd.choice(ref.PLACES)

    def postcode(self, place: Place) -> str:
        letters = "".join(self.rnd.choice(ref.INWARD_LETTERS) for _ in range(2))
        return f"{place.district} {self.rnd.randint(1, 9)}{letters}"

    def address(self, place: Place) -> Record:
        # Within a district the sector centres sit about a mile from its centre.
        line1 = (
            f"{self.rnd.randint(1, 180)} {self.rnd.choice(ref.STREETS)}"
            if self.rnd.random() < 0.7
            else f"Unit {self.rnd.randint(1, 40)}, {self.rnd.choice(ref.BUSINESS_PARKS)}"
        )
        return {
            "addressLine1": line1,
            "addressLine3": place.town,
            "addressLine4": place.county,
            "postcode": self.postcode(place),
            "latitude": round(place.latitude + self.rnd.uniform(-0.012, 0.012), 6),
            "longitude": round(place.longitude + self.rnd.uniform(-0.018, 0.018), 6),
        }

    # accounts, legal entities, providers
    def provider(self, named: Mapping[str, Any] | None = None) -> Record:
        taken = self.data.collection(PROVIDERS)
        ukprn = self.rnd.randint(10000000, 10099999)
        while str(ukprn) in taken:
            ukprn = self.rnd.randint(10000000, 10099999)
        record: Record = {"ukprn": ukprn, "name": self._name(_PROVIDER_PATTERNS, self.place().town)}
        record.update(named or {})
        if not re.fullmatch(r"1\d{7}", str(record["ukprn"])):
            raise FixtureError(f"provider ukprn {record['ukprn']!r} is not 8 digits starting with 1")
        record["ukprn"] = int(record["ukprn"])
        taken[str(record["ukprn"])] = record
        return record

    def account(
        self,
        providers: list[Record],
        named: Mapping[str, Any] | None = None,
        route: str | None = None,
        entity_count: int | None = None,
    ) -> Record:
        named = dict(named or {})
        route = str(named.pop("route", route or self.rnd.choice(ref.ROUTES)))
        if route not in ref.ROUTES:
            raise FixtureError(f"account route {route!r} is not one of {list(ref.ROUTES)}")
        home = self.place_named(named.pop("town", None)) or self.place()
        entities = named.pop("legalEntities", None)
        name = self._name(ref.EMPLOYER_PATTERNS[route], home.town)
        account: Record = {"accountPublicHashedId": self.hashed_id(ACCOUNTS), "accountName": name}
        account.update(named)
        # A named account's legal entities are named after it, not after the generated name.
        name = str(account["accountName"])
        account_id = str(account["accountPublicHashedId"]).upper()
        account["accountPublicHashedId"] = account_id
        self.data.collection(ACCOUNTS)[account_id] = account
        if entities is None:
            low, high = self.sizes["legal_entities_per_account"]
            # Only a limited company has sister companies in these data ("X Services Ltd").
            if entity_count is None:
                entity_count = self.rnd.randint(int(low), int(high)) if name.endswith(" Ltd") else 1
            entities = [{"accountLegalEntityName": n} for n in entity_names(name, entity_count)]
        for entity in entities:
            self.legal_entity(account, route, home, providers, entity)
        return account

    def legal_entity(
        self, account: Record, route: str, home: Place, providers: list[Record], named: Mapping[str, Any]
    ) -> Record:
        chosen = self.rnd.sample(providers, k=min(len(providers), self.rnd.randint(1, 2)))
        entity: Record = {
            "accountLegalEntityPublicHashedId": self.hashed_id(LEGAL_ENTITIES),
            "accountLegalEntityName": account["accountName"],
            "accountPublicHashedId": account["accountPublicHashedId"],
            "trainingProviderUkprns": sorted(int(p["ukprn"]) for p in chosen),
        }
        entity.update(named)
        entity_id = str(entity["accountLegalEntityPublicHashedId"])
        self.data.collection(LEGAL_ENTITIES)[entity_id] = entity
        self.home[entity_id] = home
        self.sector[entity_id] = route
        return entity

    def place_named(self, town: Any) -> Place | None:
        if town is None:
            return None
        for place in ref.PLACES:
            if str(town).lower() in (place.town.lower(), place.district.lower()):
                return place
        raise FixtureError(
            f"town {town!r} is not in the sandbox's places; known: {sorted({p.town for p in ref.PLACES})}"
        )

    def subscription(self, named: Mapping[str, Any]) -> Record:
        record = dict(named)
        key = record.pop("key", None)
        kind = record.get("type")
        if not key or kind not in ("Employer", "Provider", "External"):
            raise FixtureError("a subscription needs a 'key' and a 'type' of Employer, Provider or External")
        if kind == "Employer":
            account = str(record.get("accountPublicHashedId", "")).upper()
            if account not in self.data.collection(ACCOUNTS):
                raise FixtureError(
                    f"subscription {key!r} names account {account!r}, which the scenario lacks"
                )
            record["accountPublicHashedId"] = account
            record.setdefault("name", subscription_name(kind, account))
        elif kind == "Provider":
            ukprn = int(record.get("ukprn", 0))
            if str(ukprn) not in self.data.collection(PROVIDERS):
                raise FixtureError(f"subscription {key!r} names provider {ukprn}, which the scenario lacks")
            record["ukprn"] = ukprn
            record.setdefault("name", subscription_name(kind, str(ukprn)))
        else:
            guid = uuid.UUID(int=self.rnd.getrandbits(128), version=4)
            record.setdefault("name", subscription_name(kind, str(guid)))
        record["id"] = key
        self.data.collection(SUBSCRIPTIONS)[str(key)] = record
        return record

    # vacancies
    def reference(self) -> str:
        taken = self.data.collection(VACANCIES)
        while True:
            self.next_reference += self.rnd.randint(1, 97)
            if str(self.next_reference) not in taken:
                return str(self.next_reference)

    def standard_for(self, route: str) -> Standard:
        in_route = [s for s in ref.STANDARDS if s.route == route]
        # Most employers advertise in their own route; any employer may take on an administrator.
        if in_route and self.rnd.random() < 0.8:
            return self.rnd.choice(in_route)
        return self.rnd.choice(ref.STANDARDS)

    def vacancy(self, entity: Record, named: Mapping[str, Any] | None = None) -> Record:
        rnd = self.rnd
        named = dict(named or {})
        entity_id = str(entity["accountLegalEntityPublicHashedId"])
        lars = named.pop("standardLarsCode", None)
        if lars is not None and int(lars) not in ref.STANDARDS_BY_CODE:
            raise FixtureError(f"vacancy standardLarsCode {lars} is not a sandbox standard")
        standard = (
            ref.STANDARDS_BY_CODE[int(lars)]
            if lars is not None
            else self.standard_for(self.sector.get(entity_id) or self.rnd.choice(ref.ROUTES))
        )
        home = self.place_named(named.pop("town", None)) or self.home.get(entity_id) or self.place()
        ukprns = entity.get("trainingProviderUkprns") or []
        ukprn = int(named.pop("ukprn", rnd.choice(ukprns) if ukprns else 0))
        provider = self.data.collection(PROVIDERS).get(str(ukprn))
        if provider is None:
            raise FixtureError(f"vacancy names provider {ukprn}, which the scenario lacks")
        reference = str(named.pop("vacancyReference", None) or self.reference())
        employer = str(entity["accountLegalEntityName"])
        domain = f"{_slug(employer.removesuffix(' Ltd').removesuffix(' LLP'))[:24]}.co.uk"
        posted = datetime.combine(
            self.anchor - timedelta(days=rnd.randint(0, 60)), time(rnd.randint(8, 17), rnd.randint(0, 59))
        )
        closing = datetime.combine(self.anchor + timedelta(days=rnd.randint(1, 56)), time(23, 59, 59))
        start = datetime.combine(closing.date() + timedelta(days=rnd.randint(14, 90)), time())
        hours = rnd.choice(list(WEEKS))
        drawn = rnd.random() < 0.08  # drawn even when named, so the records after it stay the same
        national = bool(named.get("isNationalVacancy", drawn))
        addresses = [self.address(home)]
        if rnd.random() < 0.15:
            addresses += [self.address(self.place()) for _ in range(rnd.randint(1, 2))]
        job = standard.job
        title = rnd.choice([job, job, f"Level {standard.level} {job}", f"{job} - {home.town}"])
        vacancy: Record = {
            "vacancyReference": reference,
            "title": title,
            "description": (
                f"Join {employer} as {article(job)} {lower(job)} and work towards the {standard.title} "
                f"apprenticeship while earning a wage."
            )[:350],
            "numberOfPositions": rnd.choices([1, 2, 3, 5], weights=[70, 15, 10, 5])[0],
            "postedDate": _stamp(posted),
            "closingDate": _stamp(closing),
            "startDate": _stamp(start),
            "wage": wage(rnd, standard, hours, minimum_rates(self.anchor)),
            "hoursPerWeek": hours,
            "expectedDuration": f"{standard.months} months",
            "addresses": addresses,
            "employerName": employer,
            "employerWebsiteUrl": f"https://www.{domain}",
            "course": {
                "larsCode": standard.lars_code,
                "title": standard.title,
                "level": standard.level,
                "route": standard.route,
                "type": "Standard",
            },
            "apprenticeshipLevel": standard.apprenticeship_level,
            "providerName": provider["name"],
            "ukprn": ukprn,
            "isDisabilityConfident": rnd.random() < 0.3,
            "isNationalVacancy": national,
            "vacancyUrl": f"{ref.FIND_AN_APPRENTICESHIP}/apprenticeship/reference/{reference}",
            "accountPublicHashedId": entity["accountPublicHashedId"],
            "accountLegalEntityPublicHashedId": entity_id,
        }
        if national:
            vacancy["isNationalVacancyDetails"] = (
                f"This role is recruiting nationally: you can be based at any {employer} site in England."
            )
        if rnd.random() < 0.6:
            first, last = self.person()
            vacancy["employerContactName"] = f"{first} {last}"
            vacancy["employerContactPhone"] = f"01632 960{rnd.randint(0, 999):03d}"
            vacancy["employerContactEmail"] = f"{_slug(first)}.{_slug(last)}@{domain}"
        if rnd.random() < 0.25:
            vacancy["applicationUrl"] = f"https://www.{domain}/careers/apprenticeships/{reference}"
        vacancy.update(details(rnd, standard, employer, str(provider["name"]), home))
        for field, value in named.items():
            # A named null leaves the generated field out (DfE omits null fields anyway).
            if value is None:
                vacancy.pop(field, None)
            else:
                vacancy[field] = value
        self.data.collection(VACANCIES)[reference] = vacancy
        return vacancy


def entity_names(account_name: str, count: int) -> list[str]:
    """The names of an account's legal entities: its own, then "X Services Ltd" and so on."""
    stem = account_name.removesuffix(" Ltd")
    names = [account_name] + [f"{stem}{suffix} Ltd" for suffix in _ENTITY_SUFFIXES[1:]]
    if count > len(names):
        names += [f"{stem} ({n}) Ltd" for n in range(len(names) + 1, count + 1)]
    return names[:count]


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``data`` from ``scenario`` (sizes and named records) deterministically."""
    s = AdvertSeeder(data, scenario)
    data.extras[TODAY_KEY] = s.anchor
    providers = [s.provider(p) for p in s.records.get("providers", [])]
    providers += [s.provider() for _ in range(int(s.sizes["providers"]))]
    if not providers:
        raise FixtureError("the Display Advert data needs at least one provider")
    accounts = [s.account(providers, a) for a in s.records.get("accounts", [])]
    # Generated employers take the routes in turn (in a seeded order), so every route has adverts.
    routes = list(ref.ROUTES)
    data.random.shuffle(routes)
    accounts += [s.account(providers, route=routes[i % len(routes)]) for i in range(int(s.sizes["accounts"]))]
    entities = list(data.collection(LEGAL_ENTITIES).values())
    for named in s.records.get("vacancies", []):
        named = dict(named)
        entity_id = (
            named.pop("accountLegalEntityPublicHashedId", None)
            or entities[0]["accountLegalEntityPublicHashedId"]
        )
        if entity_id not in data.collection(LEGAL_ENTITIES):
            raise FixtureError(f"vacancy names legal entity {entity_id!r}, which the scenario lacks")
        s.vacancy(data.collection(LEGAL_ENTITIES)[entity_id], named)
    for index in range(int(s.sizes["vacancies"])):
        # Every legal entity advertises at least once; the rest are spread at random.
        entity = entities[index] if index < len(entities) else data.random.choice(entities)
        s.vacancy(entity)
    subscriptions = s.records.get("subscriptions")
    if subscriptions is None and accounts:
        subscriptions = [
            {
                "key": DEFAULT_KEY,
                "type": "Employer",
                "accountPublicHashedId": accounts[0]["accountPublicHashedId"],
            }
        ]
    for named in subscriptions or []:
        s.subscription(named)
