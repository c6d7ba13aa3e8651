"""Test-data factory for the DfE APIs: adverts, employers, providers, subscriptions, apprenticeships.

Records are made by the seeders (``advert_seed.AdvertSeeder``, ``progress_seed.make_apprenticeship``),
so they look like the seeded ones and agree with the reference data: a vacancy's course is one of
``/referencedata/courses``, its employer a legal entity of an account, its provider one the legal
entity works with. Every method takes stored fields as overrides (``None`` leaves a generated field
out). ``vacancy`` returns what ``GET /vacancy/{vacancyReference}`` answers (v2 unless asked for v1);
the others return the stored record, in the shape a scenario file gives it.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from ...errors import FixtureError, NotFound
from ...store import Record
from ..locking import StoreFactory
from . import reference as ref
from .advert_seed import DEFAULT_KEY, AdvertSeeder, entity_names
from .progress import APPRENTICESHIPS, PROGRESS
from .progress_seed import make_apprenticeship
from .reference import Place, Standard
from .vacancies import (
    ACCOUNTS,
    LEGAL_ENTITIES,
    PROVIDERS,
    SUBSCRIPTIONS,
    VACANCIES,
    haversine_miles,
    shape,
    today,
    vacancy_reference,
)

# What a test may pass as a location: a town or postcode of the sandbox's places, or (lat, lon).
Where = str | tuple[float, float]
# A full UK postcode: outward code (the district), a space or none, inward code.
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})")
_NATIONAL_DETAILS = "This role is recruiting nationally: you can be based at any {employer} site in England."


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(value: Record | str | int, field: str) -> str:
    return str(value[field]) if isinstance(value, Mapping) else str(value)


class DfeFactory(StoreFactory):
    """Creates DfE vacancies, accounts with legal entities, providers, subscriptions, apprenticeships.

    Example:
        >>> near = factory.vacancies(3, near="B3 2QD", standard=2)  # software developer, Birmingham
        >>> factory.vacancy(route="Digital", closing_in_days=2, national=True)
        >>> factory.subscription("Provider", provider=near[0]["ukprn"])  # the default key is now theirs
        >>> factory.apprenticeship(standard=2)["ksbs"][0]["id"]
    """

    COLLECTIONS = (VACANCIES, ACCOUNTS, LEGAL_ENTITIES, PROVIDERS, SUBSCRIPTIONS, APPRENTICESHIPS, PROGRESS)

    @property
    def random(self) -> random.Random:
        return self.data.random

    def _seeder(self) -> AdvertSeeder:
        return AdvertSeeder.resume(self.data)

    # providers, accounts, legal entities
    def provider(self, **overrides: Any) -> Record:
        """A training provider ``{ukprn, name}`` (an 8-digit UKPRN starting with 1)."""
        return copy.deepcopy(self._seeder().provider(overrides))

    def account(
        self,
        *,
        route: str | None = None,
        town: str | None = None,
        legal_entities: int | Sequence[str | Mapping[str, Any]] = 1,
        providers: Sequence[Record | int] | None = None,
        **overrides: Any,
    ) -> Record:
        """An employer account with its legal entities, as a scenario's ``accounts`` entry.

        Args:
            route: the occupational route the employer works in (default: random); it names the
                employer and is the route of most adverts made for it.
            town: a town or postcode district of the sandbox's places, where it is based.
            legal_entities: how many (named "X Ltd", "X Services Ltd", ...), or their names or records.
            providers: the UKPRNs (or records) its legal entities train with (default: 1 or 2 of the
                existing providers each).
        """
        named: dict[str, Any] = dict(overrides)
        if town is not None:
            named["town"] = town
        count: int | None = None
        if isinstance(legal_entities, int):
            if legal_entities < 1:
                raise FixtureError("an account needs at least one legal entity")
            count = legal_entities
        else:
            named["legalEntities"] = [
                dict(e) if isinstance(e, Mapping) else {"accountLegalEntityName": e} for e in legal_entities
            ]
        pool = self._providers(providers)
        account = self._seeder().account(pool, named, route=route, entity_count=count)
        return self._account_record(str(account["accountPublicHashedId"]))

    def legal_entity(self, account: Record | str, **overrides: Any) -> Record:
        """Another legal entity of ``account`` (record or hashed id), as stored, where the account is."""
        account_id = _id(account, "accountPublicHashedId").upper()
        found = self.data.collection(ACCOUNTS).get(account_id)
        if found is None:
            raise NotFound(f"account {account_id!r} does not exist; make one with factory.account()")
        seeder = self._seeder()
        sisters = [
            e["accountLegalEntityPublicHashedId"]
            for e in self.data.collection(LEGAL_ENTITIES).values()
            if e.get("accountPublicHashedId") == account_id
        ]
        home = next((seeder.home[s] for s in sisters if s in seeder.home), None) or seeder.place()
        sector = next((seeder.sector[s] for s in sisters if s in seeder.sector), None)
        names = entity_names(str(found["accountName"]), len(sisters) + 1)
        named = {"accountLegalEntityName": names[-1], **overrides}
        entity = seeder.legal_entity(
            found, sector or self.random.choice(ref.ROUTES), home, self._providers(None), named
        )
        return copy.deepcopy(entity)

    def _providers(self, wanted: Sequence[Record | int] | None) -> list[Record]:
        stored = self.data.collection(PROVIDERS)
        if wanted is None:
            if not stored:
                self._seeder().provider()
            return list(stored.values())
        found = []
        for provider in wanted:
            ukprn = _id(provider, "ukprn")
            if ukprn not in stored:
                raise NotFound(f"provider {ukprn} does not exist; make one with factory.provider()")
            found.append(stored[ukprn])
        return found

    def _account_record(self, account_id: str) -> Record:
        account = copy.deepcopy(self.data.collection(ACCOUNTS)[account_id])
        account["legalEntities"] = [
            copy.deepcopy(e)
            for e in self.data.collection(LEGAL_ENTITIES).values()
            if e.get("accountPublicHashedId") == account_id
        ]
        return account

    # vacancies
    def vacancy(
        self,
        *,
        legal_entity: Record | str | None = None,
        employer: str | None = None,
        near: Where | None = None,
        standard: int | None = None,
        route: str | None = None,
        provider: Record | int | None = None,
        closing_in_days: int | None = None,
        posted_days_ago: int | None = None,
        national: bool | None = None,
        version: int = 2,
        **overrides: Any,
    ) -> Record:
        """A live vacancy, as ``GET /vacancy/{vacancyReference}`` answers it with ``X-Version: version``.

        Args:
            legal_entity: the advertising legal entity (record or hashed id); default a random one.
            employer: instead, the employer's name: its legal entity, or a new account of that name.
            near: a town, postcode district or full postcode of the sandbox's places, or a
                ``(lat, lon)``: the advert's address is there (within about a mile of the district's
                centre; exactly at a ``(lat, lon)``, with the nearest place's town and postcode).
            standard: the course's LARS code; ``route``: a random standard of that route.
            provider: the training provider (record or UKPRN); the legal entity then works with it.
            closing_in_days: days from the sandbox's "today" (the scenario's ``anchor_date``) to the
                closing date; the start date follows it.
            posted_days_ago: days before "today" it was posted.
            national: recruiting nationally (``isNationalVacancy``, with its details text).
            overrides: any stored field (v2 detail names, e.g. ``title``, ``wage``, ``addresses``).
        """
        seeder = self._seeder()
        named: dict[str, Any] = {}
        entity = self._entity_for(legal_entity, employer, route, standard)
        chosen = self._standard(standard, route)
        if chosen is not None:
            named["standardLarsCode"] = chosen.lars_code
        if provider is not None:
            ukprn = int(_id(provider, "ukprn"))
            if str(ukprn) not in self.data.collection(PROVIDERS):
                raise NotFound(f"provider {ukprn} does not exist; make one with factory.provider()")
            works_with = entity.setdefault("trainingProviderUkprns", [])
            if ukprn not in works_with:
                works_with.append(ukprn)
                works_with.sort()
            named["ukprn"] = ukprn
        if near is not None:
            place, address = self._address(seeder, near)
            named["town"] = place.district
            named["addresses"] = [address]
        named.update(self._dates(closing_in_days, posted_days_ago, overrides))
        if national is not None:
            named["isNationalVacancy"] = national
            named["isNationalVacancyDetails"] = (
                _NATIONAL_DETAILS.format(employer=entity["accountLegalEntityName"]) if national else None
            )
        named.update(overrides)
        stored = seeder.vacancy(entity, named)
        return shape(stored, vacancy_reference(stored, ""), version, today(self.data), detailed=True)

    def vacancies(self, count: int, **options: Any) -> list[Record]:
        """``count`` vacancies, each made by ``vacancy(**options)``."""
        return [self.vacancy(**options) for _ in range(count)]

    def _entity_for(
        self, legal_entity: Record | str | None, employer: str | None, route: str | None, standard: int | None
    ) -> Record:
        entities = self.data.collection(LEGAL_ENTITIES)
        if legal_entity is not None:
            entity_id = _id(legal_entity, "accountLegalEntityPublicHashedId")
            if entity_id not in entities:
                raise NotFound(f"legal entity {entity_id!r} does not exist; make one with factory.account()")
            return entities[entity_id]
        if employer is not None:
            for entity in entities.values():
                if entity.get("accountLegalEntityName") == employer:
                    return entity
            sector = route or (
                ref.STANDARDS_BY_CODE[standard].route if standard in ref.STANDARDS_BY_CODE else None
            )
            made = self.account(accountName=employer, route=sector)
            return entities[made["legalEntities"][0]["accountLegalEntityPublicHashedId"]]
        if not entities:
            made = self.account(route=route)
            return entities[made["legalEntities"][0]["accountLegalEntityPublicHashedId"]]
        return entities[self.random.choice(sorted(entities))]

    def _standard(self, code: int | None, route: str | None) -> Standard | None:
        if route is not None and route not in ref.ROUTES:
            raise FixtureError(f"route {route!r} is not one of {list(ref.ROUTES)}")
        if code is not None:
            found = ref.STANDARDS_BY_CODE.get(int(code))
            if found is None:
                raise FixtureError(
                    f"standard {code} is not a sandbox standard; known: {sorted(ref.STANDARDS_BY_CODE)}"
                )
            if route is not None and found.route != route:
                raise FixtureError(
                    f"standard {code} ({found.title}) is in route {found.route!r}, not {route!r}"
                )
            return found
        if route is not None:
            return self.random.choice([s for s in ref.STANDARDS if s.route == route])
        return None

    def _address(self, seeder: AdvertSeeder, near: Where) -> tuple[Place, Record]:
        if isinstance(near, tuple):
            lat, lon = (float(v) for v in near)
            place = min(ref.PLACES, key=lambda p: haversine_miles(lat, lon, p.latitude, p.longitude))
            address = seeder.address(place)
            address.update(latitude=lat, longitude=lon)
            return place, address
        postcode = _POSTCODE.fullmatch(" ".join(str(near).upper().split()))
        named = seeder.place_named(postcode.group(1) if postcode else near)
        if named is None:  # pragma: no cover - place_named raises for a name it does not know
            raise FixtureError(f"no place {near!r}")
        address = seeder.address(named)
        if postcode:
            address["postcode"] = f"{postcode.group(1)} {postcode.group(2)}"
        return named, address

    def _dates(
        self, closing_in_days: int | None, posted_days_ago: int | None, overrides: Mapping[str, Any]
    ) -> Record:
        now = today(self.data)
        dates: Record = {}
        if posted_days_ago is not None:
            posted = datetime.combine(
                now - timedelta(days=posted_days_ago),
                time(self.random.randint(8, 17), self.random.randint(0, 59)),
            )
            dates["postedDate"] = _stamp(posted)
        if closing_in_days is not None:
            closing = datetime.combine(now + timedelta(days=closing_in_days), time(23, 59, 59))
            dates["closingDate"] = _stamp(closing)
            if "startDate" not in overrides:
                start = closing.date() + timedelta(days=self.random.randint(14, 90))
                dates["startDate"] = _stamp(datetime.combine(start, time()))
        return dates

    # subscriptions
    def subscription(
        self,
        kind: str = "Employer",
        *,
        key: str = DEFAULT_KEY,
        account: Record | str | None = None,
        provider: Record | int | None = None,
        **overrides: Any,
    ) -> Record:
        """Whose ``key`` is: an ``Employer`` account, a ``Provider`` or ``External`` (as stored).

        The default key is the one the sandbox accepts by default (``dfe_sandbox.client`` sends it),
        so its calls are then that subscription's (``FilterBySubscription``, ``/accountlegalentities``);
        another key must also be in the sandbox's ``credentials`` for the gateway to accept it.
        An Employer without ``account`` gets a new account, a Provider without ``provider`` a new one.
        """
        named: dict[str, Any] = {"key": key, "type": kind}
        if kind == "Employer":
            account_id = _id(account or self.account(), "accountPublicHashedId").upper()
            if account_id not in self.data.collection(ACCOUNTS):
                raise NotFound(f"account {account_id!r} does not exist; make one with factory.account()")
            named["accountPublicHashedId"] = account_id
        elif kind == "Provider":
            named["ukprn"] = int(self._providers([provider or self.provider()])[0]["ukprn"])
        named.update(overrides)
        return copy.deepcopy(self._seeder().subscription(named))

    # Track Progress
    def apprenticeship(
        self,
        *,
        uln: int | None = None,
        planned_start: str | None = None,
        standard: int | None = None,
        ksbs: Sequence[str] | None = None,
        **overrides: Any,
    ) -> Record:
        """An apprenticeship progress can be recorded for: ``uln``, ``plannedStartDate``, ``ksbs`` (ids).

        Args:
            uln: the 10-digit ULN (default: a new random one).
            planned_start: ``YYYY-MM-01`` (default: within the 24 months before "today").
            standard: its standard's LARS code (default: random); the KSBs are that standard's.
            ksbs: KSB ids (GUIDs) for a standard no apprenticeship has yet.
            overrides: other stored fields (``firstName``, ``lastName``).
        """
        named: dict[str, Any] = {"uln": uln, "plannedStartDate": planned_start, "larsCode": standard}
        if ksbs is not None:
            named["ksbs"] = list(ksbs)
        record = make_apprenticeship(self.data, named, today(self.data))
        for field, value in overrides.items():
            if value is None:
                record.pop(field, None)
            else:
                record[field] = value
        return copy.deepcopy(record)
