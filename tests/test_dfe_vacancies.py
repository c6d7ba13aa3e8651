"""The Display Advert search rules, on seeded data and without HTTP: every filter, sort and page.

Each filter is proved against the data: the search's answer is compared with a count made
independently over the stored vacancies.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from mockserver import Forbidden, InvalidInput, NotFound, VendorData
from mockserver.resources import fixture_path
from mockserver.scenarios import load_scenario
from mockserver.store import Record
from mockserver.vendors.dfe import advert_seed
from mockserver.vendors.dfe import vacancies as v
from mockserver.vendors.dfe.vacancies import Search, Subscription

EMPLOYER = Subscription("Employer", account="V7YWNG")
PROVIDER = Subscription("Provider", ukprn=10012345)
EXTERNAL = Subscription("External")
BIRMINGHAM = (52.4796, -1.9026)
COLMORE_ROW = (52.481, -1.8995)  # the named advert's address
EVERYTHING = 100_000


@pytest.fixture(scope="module")
def data() -> VendorData:
    seeded = VendorData("dfe", 0)
    advert_seed.seed(seeded, load_scenario(fixture_path("dfe/default.yaml")))
    return seeded


def run(data: VendorData, who: Subscription = EMPLOYER, **query: Any) -> Record:
    query.setdefault("page_size", EVERYTHING)
    return v.search(data, Search(**query), who)


def refs(result: Record) -> list[str]:
    return [item["vacancyReference"] for item in result["vacancies"]]


def stored(data: VendorData) -> list[Record]:
    """The live vacancies, counted here without the model's help."""
    today = v.today(data)
    return [
        r
        for r in data.collection(v.VACANCIES).values()
        if datetime.fromisoformat(r["closingDate"]).date() >= today
    ]


def expected(data: VendorData, keep: Any) -> set[str]:
    return {r["vacancyReference"] for r in stored(data) if keep(r)}


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


# totals and paging
def test_an_unfiltered_search_lists_every_live_vacancy(data: VendorData) -> None:
    result = run(data)
    assert result["total"] == result["totalFiltered"] == len(stored(data)) > 100
    assert set(refs(result)) == expected(data, lambda r: True)
    assert result["totalPages"] == 1


def test_a_vacancy_whose_closing_date_has_passed_is_not_live(data: VendorData) -> None:
    closed = dict(next(iter(data.collection(v.VACANCIES).values())))
    closed["vacancyReference"] = "1000099999"
    closed["closingDate"] = (v.today(data) - timedelta(days=1)).isoformat() + "T23:59:59Z"
    data.collection(v.VACANCIES)["1000099999"] = closed
    try:
        assert "1000099999" not in refs(run(data))
        with pytest.raises(NotFound):
            v.get(data, "1000099999", 2)
    finally:
        del data.collection(v.VACANCIES)["1000099999"]


@pytest.mark.parametrize("size", [1, 7, 10, 25])
def test_pages_cover_the_filtered_vacancies_once_each_in_order(data: VendorData, size: int) -> None:
    everything = refs(run(data, standard_lars_codes=(2, 154, 118, 279)))
    pages = [
        run(data, standard_lars_codes=(2, 154, 118, 279), page_size=size, page_number=n) for n in (1, 2, 3)
    ]
    first = pages[0]
    assert first["totalPages"] == math.ceil(len(everything) / size)
    assert all(p["totalFiltered"] == len(everything) and p["total"] == first["total"] for p in pages)
    assert [r for p in pages for r in refs(p)] == everything[: 3 * size]
    assert all(len(refs(p)) <= size for p in pages)


def test_a_page_past_the_last_is_empty_with_the_same_totals(data: VendorData) -> None:
    last = run(data, page_size=10)["totalPages"]
    beyond = run(data, page_size=10, page_number=last + 1)
    assert beyond["vacancies"] == []
    assert beyond["totalPages"] == last
    assert beyond["totalFiltered"] == beyond["total"] == len(stored(data))


def test_no_match_gives_zero_pages(data: VendorData) -> None:
    result = run(data, ukprn=1, page_size=10)
    assert (result["vacancies"], result["totalFiltered"], result["totalPages"]) == ([], 0, 0)
    assert result["total"] == len(stored(data))


# filters
def test_standard_lars_code_keeps_any_of_the_codes_given(data: VendorData) -> None:
    result = run(data, standard_lars_codes=(2, 154))
    assert set(refs(result)) == expected(data, lambda r: r["course"]["larsCode"] in (2, 154))
    assert result["totalFiltered"] >= 2


def test_routes_keep_any_of_up_to_two_routes_ignoring_case(data: VendorData) -> None:
    result = run(data, routes=("digital", "Care services"))
    assert set(refs(result)) == expected(data, lambda r: r["course"]["route"] in ("Digital", "Care services"))
    assert result["totalFiltered"] > 0


def test_routes_are_ignored_when_a_standard_is_given(data: VendorData) -> None:
    assert refs(run(data, standard_lars_codes=(279,), routes=("Digital",))) == refs(
        run(data, standard_lars_codes=(279,))
    )


def test_more_than_two_routes_is_refused_with_dfes_message(data: VendorData) -> None:
    with pytest.raises(InvalidInput) as raised:
        run(data, routes=("Digital", "Care services", "Hair and beauty"))
    assert (raised.value.field, raised.value.message) == (
        "Routes",
        "Exceeded maximum of 2 routes to be filtered by",
    )


def test_ukprn_keeps_the_providers_adverts(data: VendorData) -> None:
    result = run(data, ukprn=10012345)
    assert set(refs(result)) == expected(data, lambda r: r["ukprn"] == 10012345)
    assert {"1000012345", "1000012346"} <= set(refs(result))


@pytest.mark.parametrize("days", [0, 3, 14, 30])
def test_posted_in_last_number_of_days_counts_back_from_today(data: VendorData, days: int) -> None:
    since = v.today(data) - timedelta(days=days)
    result = run(data, posted_in_last_number_of_days=days)
    assert set(refs(result)) == expected(data, lambda r: when(r["postedDate"]).date() >= since)
    assert 0 < result["totalFiltered"] <= result["total"] or days == 0


def test_posted_in_last_number_of_days_beyond_the_calendar_keeps_everything(data: VendorData) -> None:
    assert run(data, posted_in_last_number_of_days=4294967295)["totalFiltered"] == len(stored(data))


def test_distance_keeps_adverts_within_the_miles_and_national_ones(data: VendorData) -> None:
    lat, lon = BIRMINGHAM

    def near(r: Record) -> bool:
        points = [(a["latitude"], a["longitude"]) for a in r["addresses"]]
        return r["isNationalVacancy"] or min(v.haversine_miles(lat, lon, *p) for p in points) <= 25

    result = run(data, lat=lat, lon=lon, distance_in_miles=25)
    assert set(refs(result)) == expected(data, near)
    assert 0 < result["totalFiltered"] < result["total"]
    assert all(item["distance"] <= 25 for item in result["vacancies"] if not item["isNationalVacancy"])


def test_distance_is_given_in_miles_to_the_nearest_address(data: VendorData) -> None:
    # London to Birmingham is about 101 miles as the crow flies.
    assert 100 < v.haversine_miles(51.5074, -0.1278, 52.4862, -1.8904) < 103
    item = v.search(data, Search(lat=51.5074, lon=-0.1278, standard_lars_codes=(2,), page_size=100), EMPLOYER)
    named = next(i for i in item["vacancies"] if i["vacancyReference"] == "1000012345")
    address = named["addresses"][0]
    # Not rounded: a real v2 answer carries the double as computed ("distance": 6.69410372860631).
    assert named["distance"] == v.haversine_miles(51.5074, -0.1278, address["latitude"], address["longitude"])
    assert named["distance"] != round(named["distance"], 2)


def test_without_a_location_adverts_have_no_distance(data: VendorData) -> None:
    assert all("distance" not in item for item in run(data, distance_in_miles=5)["vacancies"])
    assert run(data, distance_in_miles=5)["totalFiltered"] == len(stored(data))


def test_exclude_recruiting_nationally_removes_national_adverts_in_v2_only(data: VendorData) -> None:
    lat, lon = BIRMINGHAM
    v2 = run(data, version=2, lat=lat, lon=lon, distance_in_miles=25, exclude_recruiting_nationally=True)
    assert not any(item["isNationalVacancy"] for item in v2["vacancies"])
    v1 = run(data, version=1, lat=lat, lon=lon, distance_in_miles=25, exclude_recruiting_nationally=True)
    assert any(item["isNationalVacancy"] for item in v1["vacancies"])


def test_nation_wide_only_keeps_national_adverts_in_v1_only(data: VendorData) -> None:
    v1 = run(data, version=1, nation_wide_only=True)
    assert set(refs(v1)) == expected(data, lambda r: r["isNationalVacancy"])
    assert "1000012346" in refs(v1)
    assert run(data, version=2, nation_wide_only=True)["totalFiltered"] == len(stored(data))


def test_employer_name_matches_part_of_the_name_ignoring_case_in_v2_only(data: VendorData) -> None:
    v2 = run(data, version=2, employer_name="thornbury SOFTWARE")
    assert set(refs(v2)) == expected(data, lambda r: "thornbury software" in r["employerName"].lower())
    assert {"1000012345", "1000012346"} <= set(refs(v2))
    assert run(data, version=1, employer_name="thornbury")["totalFiltered"] == len(stored(data))


def test_an_employer_may_filter_by_its_own_legal_entity(data: VendorData) -> None:
    result = run(data, account_legal_entity_public_hashed_id="XJ6M7B")
    assert set(refs(result)) == expected(data, lambda r: r["accountLegalEntityPublicHashedId"] == "XJ6M7B")
    assert "1000012345" in refs(result)


def test_a_provider_may_filter_by_a_legal_entity_it_trains_for(data: VendorData) -> None:
    result = run(data, PROVIDER, account_legal_entity_public_hashed_id="Y4K9DW")
    assert "1000012346" in refs(result)


@pytest.mark.parametrize("who", [EMPLOYER, PROVIDER, EXTERNAL], ids=["employer", "provider", "external"])
def test_a_legal_entity_that_is_not_the_subscriptions_is_forbidden(
    data: VendorData, who: Subscription
) -> None:
    others = [
        e["accountLegalEntityPublicHashedId"]
        for e in data.collection(v.LEGAL_ENTITIES).values()
        if e["accountPublicHashedId"] != "V7YWNG" and 10012345 not in e["trainingProviderUkprns"]
    ]
    for entity in (others[0], "NOSUCH"):
        with pytest.raises(Forbidden):
            run(data, who, account_legal_entity_public_hashed_id=entity)


def test_filter_by_subscription_keeps_an_employers_own_adverts(data: VendorData) -> None:
    result = run(data, EMPLOYER, filter_by_subscription=True)
    assert set(refs(result)) == expected(data, lambda r: r["accountPublicHashedId"] == "V7YWNG")
    assert result["totalFiltered"] >= 2


def test_filter_by_subscription_keeps_a_providers_own_adverts(data: VendorData) -> None:
    result = run(data, PROVIDER, filter_by_subscription=True)
    assert set(refs(result)) == expected(data, lambda r: r["ukprn"] == 10012345)


def test_filter_by_subscription_changes_nothing_for_an_external_subscription(data: VendorData) -> None:
    assert run(data, EXTERNAL, filter_by_subscription=True)["totalFiltered"] == len(stored(data))


def test_filters_combine(data: VendorData) -> None:
    result = run(data, routes=("Digital",), posted_in_last_number_of_days=30, ukprn=10012345)
    since = v.today(data) - timedelta(days=30)
    assert set(refs(result)) == expected(
        data,
        lambda r: (
            r["course"]["route"] == "Digital"
            and r["ukprn"] == 10012345
            and when(r["postedDate"]).date() >= since
        ),
    )


# sorts
def _dates(result: Record, field: str) -> list[datetime]:
    return [when(item[field]) for item in result["vacancies"]]


def test_age_desc_is_the_default_newest_first(data: VendorData) -> None:
    posted = _dates(run(data), "postedDate")
    assert posted == sorted(posted, reverse=True)
    assert posted[0] > posted[-1]


def test_age_asc_is_oldest_first(data: VendorData) -> None:
    posted = _dates(run(data, sort="AgeAsc"), "postedDate")
    assert posted == sorted(posted)
    assert posted[0] < posted[-1]


@pytest.mark.parametrize("sort", ["ExpectedStartDateAsc", "ExpectedStartDateDesc"])
def test_expected_start_date_sorts_order_by_start_date(data: VendorData, sort: str) -> None:
    starts = _dates(run(data, sort=sort), "startDate")
    assert starts == sorted(starts, reverse=sort.endswith("Desc"))
    assert starts[0] != starts[-1]


@pytest.mark.parametrize("sort", ["DistanceAsc", "DistanceDesc"])
def test_distance_sorts_order_by_distance(data: VendorData, sort: str) -> None:
    lat, lon = BIRMINGHAM
    miles = [item["distance"] for item in run(data, sort=sort, lat=lat, lon=lon)["vacancies"]]
    assert miles == sorted(miles, reverse=sort.endswith("Desc"))
    assert miles[0] != miles[-1]


def test_distance_sorts_without_a_location_fall_back_to_age_desc(data: VendorData) -> None:
    assert refs(run(data, sort="DistanceAsc")) == refs(run(data, sort="AgeDesc"))


def test_the_nearest_birmingham_software_developer_advert_is_the_named_one(data: VendorData) -> None:
    lat, lon = COLMORE_ROW
    first = run(data, sort="DistanceAsc", lat=lat, lon=lon, standard_lars_codes=(2,), page_size=1)
    assert refs(first) == ["1000012345"]


def test_ties_are_broken_by_reference_so_paging_is_stable(data: VendorData) -> None:
    ordered = run(data, sort="AgeAsc")["vacancies"]
    pairs = [(when(i["postedDate"]), i["vacancyReference"]) for i in ordered]
    assert pairs == sorted(pairs)


# one vacancy
def test_a_vacancy_is_found_with_or_without_dfes_vac_prefix(data: VendorData) -> None:
    assert v.get(data, "VAC1000012345", 2) == v.get(data, "1000012345", 2)
    assert v.get(data, "1000012345", 2)["employerName"] == "Thornbury Software Ltd"


def test_an_unknown_vacancy_is_not_found(data: VendorData) -> None:
    with pytest.raises(NotFound):
        v.get(data, "999", 2)


# account legal entities
def test_an_employer_sees_its_accounts_legal_entities(data: VendorData) -> None:
    found = v.account_legal_entities(data, EMPLOYER)["accountLegalEntities"]
    assert [e["accountLegalEntityPublicHashedId"] for e in found] == ["XJ6M7B", "Y4K9DW"]
    assert {e["accountName"] for e in found} == {"Thornbury Software Ltd"}


def test_a_provider_sees_the_legal_entities_it_trains_for(data: VendorData) -> None:
    found = v.account_legal_entities(data, PROVIDER)["accountLegalEntities"]
    ids = {e["accountLegalEntityPublicHashedId"] for e in found}
    assert ids == {
        e["accountLegalEntityPublicHashedId"]
        for e in data.collection(v.LEGAL_ENTITIES).values()
        if 10012345 in e["trainingProviderUkprns"]
    }
    assert {"XJ6M7B", "Y4K9DW"} <= ids


def test_an_external_subscription_has_no_legal_entities(data: VendorData) -> None:
    with pytest.raises(Forbidden):
        v.account_legal_entities(data, EXTERNAL)


def test_an_unreadable_subscription_name_is_a_bad_request(data: VendorData) -> None:
    with pytest.raises(InvalidInput, match="Account Identifier is not in the correct format"):
        v.account_legal_entities(data, v.parse_subscription("Nobody"))


@pytest.mark.parametrize(
    ("header", "who"),
    [
        ("Employer-v7ywng-Sandbox", EMPLOYER),
        ("Provider-10012345-Sandbox", PROVIDER),
        ("External-6f1c2a4e-3b7d-4d8e-9a51-0c2e7f6b9d13-Sandbox", EXTERNAL),
        ("Provider-abc-Sandbox", Subscription("Unknown")),
        (None, Subscription("Unknown")),
    ],
)
def test_subscription_names_are_read_as_apim_writes_them(header: str | None, who: Subscription) -> None:
    assert v.parse_subscription(header) == who


def test_today_defaults_when_no_scenario_recorded_it() -> None:
    assert v.today(VendorData("dfe", 0)) == date(2025, 9, 1)


def test_get_by_reference_follows_vacancies_stored_changed_and_removed() -> None:
    data = VendorData("dfe", 0)
    advert_seed.seed(data, load_scenario(fixture_path("dfe/default.yaml")))
    assert v.get(data, "VAC1000012345", 2)["vacancyReference"] == "1000012345"
    vacancies = data.collection(v.VACANCIES)
    vacancies["copy"] = {**vacancies["1000012345"], "vacancyReference": "VAC1000077777"}
    assert v.get(data, "1000077777", 2)["title"] == vacancies["1000012345"]["title"]
    data.update(v.VACANCIES, "copy", {"vacancyReference": "1000088888"})
    with pytest.raises(NotFound):
        v.get(data, "1000077777", 2)
    assert v.get(data, "VAC1000088888", 1)["vacancyReference"] == "1000088888"
    del vacancies["copy"]
    with pytest.raises(NotFound):
        v.get(data, "1000088888", 2)
