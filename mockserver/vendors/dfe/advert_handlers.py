"""Display Advert API handlers: one per operationId of specs/dfe-display-advert.yaml."""

from __future__ import annotations

from typing import Any

import connexion

from ..base import BoundHandlers
from ..operation import operation
from . import vacancies
from .vacancies import Search, Subscription

Reply = tuple[Any, int]

# Injected by the gateway, as Azure APIM does, naming the caller's subscription.
SUBSCRIPTION_HEADER = "x-request-context-subscription-name"


def _version() -> int:
    return vacancies.parse_version(connexion.request.headers.get("x-version"))


def _subscription() -> Subscription:
    return vacancies.parse_subscription(connexion.request.headers.get(SUBSCRIPTION_HEADER))


class AdvertHandlers(BoundHandlers):
    """The Display Advert handlers of one DfE app, bound to its store."""

    @operation("getVacancies")
    def get_vacancies(
        self,
        page_number: int = 1,
        page_size: int = 10,
        sort: str = "AgeDesc",
        lat: float | None = None,
        lon: float | None = None,
        distance_in_miles: int | None = None,
        standard_lars_code: list[int] | None = None,
        routes: list[str] | None = None,
        posted_in_last_number_of_days: int | None = None,
        ukprn: int | None = None,
        account_legal_entity_public_hashed_id: str | None = None,
        filter_by_subscription: bool = False,
        nation_wide_only: bool = False,
        employer_name: str | None = None,
        exclude_recruiting_nationally: bool = False,
        include_details: bool = False,
    ) -> Reply:
        query = Search(
            version=_version(),
            page_number=page_number,
            page_size=page_size,
            sort=sort,
            lat=lat,
            lon=lon,
            distance_in_miles=distance_in_miles,
            standard_lars_codes=tuple(standard_lars_code or ()),
            routes=tuple(routes or ()),
            posted_in_last_number_of_days=posted_in_last_number_of_days,
            ukprn=ukprn,
            # ASP.NET binds an empty string as null: an empty filter is no filter.
            account_legal_entity_public_hashed_id=account_legal_entity_public_hashed_id or None,
            filter_by_subscription=bool(filter_by_subscription),
            nation_wide_only=bool(nation_wide_only),
            employer_name=employer_name or None,
            exclude_recruiting_nationally=bool(exclude_recruiting_nationally),
            include_details=bool(include_details),
        )
        who = _subscription()
        return vacancies.search(self.data, query, who), 200

    @operation("getVacancy")
    def get_vacancy(self, vacancy_reference: str) -> Reply:
        version = _version()
        return vacancies.get(self.data, vacancy_reference, version), 200

    @operation("getCourses")
    def get_courses(self) -> Reply:
        return vacancies.courses(), 200

    @operation("getRoutes")
    def get_routes(self) -> Reply:
        return vacancies.routes(), 200

    @operation("getAccountLegalEntities")
    def get_account_legal_entities(self) -> Reply:
        who = _subscription()
        return vacancies.account_legal_entities(self.data, who), 200
