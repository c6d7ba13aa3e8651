"""The DfE test-data factory: records read back through the API as made, found by its filters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.errors import FixtureError, NotFound
from mockserver.vendors.dfe.advert_seed import HOMES_KEY, SECTORS_KEY
from mockserver.vendors.dfe.factory import DfeFactory
from mockserver.vendors.dfe.reference import STANDARDS_BY_CODE

from .vendor_fixtures import served_alone

TODAY = date(2025, 9, 1)  # the default scenario's anchor_date
B3 = (52.4820, -1.9000)  # the B3 postcode district's centre


app, sandbox, _, factory = served_alone("dfe", rate_limits={"dfe": "100000/minute"})


def _search(dfe: httpx.Client, version: str = "2", **params: Any) -> dict[str, Any]:
    response = dfe.get(
        "/vacancies/vacancy", params={"PageSize": 100, **params}, headers={"X-Version": version}
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _references(page: dict[str, Any]) -> set[str]:
    return {v["vacancyReference"] for v in page["vacancies"]}


@pytest.mark.parametrize("version", [1, 2])
def test_a_vacancy_reads_back_exactly_as_made_in_each_version(
    factory: DfeFactory, dfe_api: httpx.Client, version: int
) -> None:
    made = factory.vacancy(version=version)
    response = dfe_api.get(
        f"/vacancies/vacancy/{made['vacancyReference']}", headers={"X-Version": str(version)}
    )
    assert response.json() == made
    assert ("address" in made) is (version == 1)
    assert ("addresses" in made) is (version == 2)


def test_several_vacancies_near_a_postcode_are_found_by_a_location_search(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    made = factory.vacancies(3, near="b3 2qd", standard=2, national=False)
    assert {a["postcode"] for v in made for a in v["addresses"]} == {"B3 2QD"}
    assert {v["addresses"][0]["addressLine3"] for v in made} == {"Birmingham"}
    lat, lon = B3
    page = _search(
        dfe_api, Lat=lat, Lon=lon, DistanceInMiles=2, StandardLarsCode=2, ExcludeRecruitingNationally=True
    )
    found = {v["vacancyReference"]: v for v in page["vacancies"]}
    assert {v["vacancyReference"] for v in made} <= set(found)
    assert all(found[v["vacancyReference"]]["distance"] <= 2 for v in made)


def test_a_vacancy_at_a_point_takes_the_nearest_places_town(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    made = factory.vacancy(near=(53.80, -1.55), national=False)
    (address,) = made["addresses"]
    assert (address["latitude"], address["longitude"], address["addressLine3"]) == (53.80, -1.55, "Leeds")
    assert address["postcode"].startswith("LS1 ")
    page = _search(dfe_api, Lat=53.80, Lon=-1.55, DistanceInMiles=1, Sort="DistanceAsc")
    assert page["vacancies"][0]["vacancyReference"] == made["vacancyReference"]
    assert page["vacancies"][0]["distance"] == 0


def test_route_standard_employer_and_provider_filters_find_factory_vacancies(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    hair = factory.vacancy(route="Hair and beauty")
    assert hair["course"]["route"] == "Hair and beauty"
    assert hair["vacancyReference"] in _references(_search(dfe_api, Routes="Hair and beauty"))

    zebra = factory.vacancy(employer="Zebra Crossings Ltd", standard=279)
    assert zebra["employerName"] == "Zebra Crossings Ltd"
    assert _references(_search(dfe_api, EmployerName="zebra crossings")) == {zebra["vacancyReference"]}

    provider = factory.provider(name="Tamworth Training Ltd")
    taught = factory.vacancy(provider=provider)
    assert (taught["ukprn"], taught["providerName"]) == (provider["ukprn"], "Tamworth Training Ltd")
    assert _references(_search(dfe_api, Ukprn=provider["ukprn"])) == {taught["vacancyReference"]}


def test_national_and_local_vacancies_meet_the_national_filters(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    national = factory.vacancy(national=True)
    local = factory.vacancy(national=False)
    assert national["isNationalVacancyDetails"].startswith("This role is recruiting nationally")
    assert "isNationalVacancyDetails" not in local
    v1_national = _references(_search(dfe_api, version="1", NationWideOnly=True))
    assert national["vacancyReference"] in v1_national
    assert local["vacancyReference"] not in v1_national
    v2_local = _references(_search(dfe_api, ExcludeRecruitingNationally=True))
    assert local["vacancyReference"] in v2_local
    assert national["vacancyReference"] not in v2_local


def test_closing_and_posting_days_count_from_the_scenarios_today(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    soon = factory.vacancy(closing_in_days=1, posted_days_ago=0)
    assert soon["closingDate"] == f"{TODAY + timedelta(days=1)}T23:59:59Z"
    assert soon["postedDate"].startswith(TODAY.isoformat())
    assert soon["startDate"] > soon["closingDate"]
    assert soon["vacancyReference"] in _references(_search(dfe_api, PostedInLastNumberOfDays=0))
    closed = factory.vacancy(closing_in_days=-1)
    assert dfe_api.get(f"/vacancies/vacancy/{closed['vacancyReference']}").status_code == 404


def test_advancing_the_sandbox_clock_moves_the_scenarios_today_and_closes_adverts(
    sandbox: Sandbox, factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    closing = factory.vacancy(employer="Clockwork Bakery", closing_in_days=2)
    reference = closing["vacancyReference"]
    assert _references(_search(dfe_api, EmployerName="Clockwork Bakery")) == {reference}
    sandbox.clock.advance(days=2)
    assert dfe_api.get(f"/vacancies/vacancy/{reference}").status_code == 200
    sandbox.clock.advance(days=1)
    assert _references(_search(dfe_api, EmployerName="Clockwork Bakery")) == set()
    assert dfe_api.get(f"/vacancies/vacancy/{reference}").status_code == 404
    # Records made now count from the moved "today"; a reset puts the clock and "today" back.
    later = factory.vacancy(closing_in_days=0, posted_days_ago=0)
    assert later["postedDate"].startswith((TODAY + timedelta(days=3)).isoformat())
    sandbox.reset(0)
    assert factory.vacancy(posted_days_ago=0)["postedDate"].startswith(TODAY.isoformat())


def test_course_fields_agree_with_the_reference_data(factory: DfeFactory, dfe_api: httpx.Client) -> None:
    courses = {
        c["larsCode"]: c for c in dfe_api.get("/vacancies/referencedata/courses").json()["trainingCourses"]
    }
    for made in factory.vacancies(10):
        course = made["course"]
        listed = courses[course["larsCode"]]
        assert (course["title"], course["route"]) == (listed["title"], listed["route"])
        assert course["level"] == STANDARDS_BY_CODE[course["larsCode"]].level


def test_overrides_win_and_none_leaves_a_generated_field_out(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    made = factory.vacancy(title="Apprentice Baker", employerContactName=None, numberOfPositions=4)
    read = dfe_api.get(f"/vacancies/vacancy/{made['vacancyReference']}").json()
    assert (read["title"], read["numberOfPositions"]) == ("Apprentice Baker", 4)
    assert "employerContactName" not in read


def test_an_employer_subscription_sees_its_accounts_legal_entities(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    account = factory.account(
        accountName="Harbour Lights Ltd", route="Catering and hospitality", legal_entities=2
    )
    names = [e["accountLegalEntityName"] for e in account["legalEntities"]]
    assert names == ["Harbour Lights Ltd", "Harbour Lights Services Ltd"]
    assert {e["accountPublicHashedId"] for e in account["legalEntities"]} == {
        account["accountPublicHashedId"]
    }
    third = factory.legal_entity(account)
    assert third["accountLegalEntityName"] == "Harbour Lights Holdings Ltd"
    subscription = factory.subscription("Employer", account=account)
    assert subscription["name"] == f"Employer-{account['accountPublicHashedId']}-Sandbox"

    listed = dfe_api.get("/vacancies/accountlegalentities").json()["accountLegalEntities"]
    assert {e["accountLegalEntityPublicHashedId"] for e in listed} == {
        *(e["accountLegalEntityPublicHashedId"] for e in account["legalEntities"]),
        third["accountLegalEntityPublicHashedId"],
    }
    ours = factory.vacancy(legal_entity=third)
    assert ours["employerName"] == "Harbour Lights Holdings Ltd"
    assert _references(_search(dfe_api, FilterBySubscription=True)) == {ours["vacancyReference"]}


def test_a_provider_subscription_sees_the_legal_entities_it_trains_for(
    factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    provider = factory.provider()
    account = factory.account(providers=[provider])
    made = factory.vacancy(legal_entity=account["legalEntities"][0], provider=provider)
    factory.subscription("Provider", provider=provider)
    listed = dfe_api.get("/vacancies/accountlegalentities").json()["accountLegalEntities"]
    assert [e["accountPublicHashedId"] for e in listed] == [account["accountPublicHashedId"]]
    assert _references(_search(dfe_api, FilterBySubscription=True)) == {made["vacancyReference"]}


def test_an_external_subscription_has_no_legal_entities(factory: DfeFactory, dfe_api: httpx.Client) -> None:
    assert factory.subscription("External")["name"].startswith("External-")
    assert dfe_api.get("/vacancies/accountlegalentities").status_code == 403


def test_track_progress_accepts_progress_for_a_factory_made_apprenticeship(
    factory: DfeFactory, dfe_api: httpx.Client, sandbox: Sandbox
) -> None:
    made = factory.apprenticeship(standard=2, firstName="Ada")
    assert made["standard"] == {"larsCode": 2, "title": STANDARDS_BY_CODE[2].title}
    assert made["plannedStartDate"].endswith("-01")
    assert len(str(made["uln"])) == 10
    body = {"progress": {"ksbs": [{"id": k["id"], "value": 40} for k in made["ksbs"]]}}
    url = f"/apprenticeships/{made['uln']}/{made['plannedStartDate']}/progress"
    response = dfe_api.post(url, json=body, headers={"X-Version": "1"})
    assert response.status_code == 201
    (recorded,) = sandbox.store.vendor("dfe").collection("progress").values()
    assert (recorded["apprenticeshipId"], recorded["ksbs"]) == (made["id"], body["progress"]["ksbs"])


def test_apprenticeships_on_one_standard_share_its_ksbs(factory: DfeFactory, sandbox: Sandbox) -> None:
    named = sandbox.store.vendor("dfe").collection("apprenticeships")["1234567890-2025-09-01"]
    assert factory.apprenticeship(standard=2)["ksbs"] == named["ksbs"]
    fresh = factory.apprenticeship(uln=1111111111, planned_start="2024-01-01", standard=543)
    assert fresh["id"] == "1111111111-2024-01-01"
    assert factory.apprenticeship(standard=543)["ksbs"] == fresh["ksbs"]


def test_the_same_seed_makes_the_same_records(sandbox: Sandbox, factory: DfeFactory) -> None:
    first = (factory.vacancy(), factory.account(), factory.apprenticeship())
    sandbox.reset(0)
    assert (factory.vacancy(), factory.account(), factory.apprenticeship()) == first


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"route": "Knitting"}, FixtureError, "route 'Knitting' is not one of"),
        ({"standard": 99999}, FixtureError, "standard 99999 is not a sandbox standard; known: "),
        (
            {"standard": 2, "route": "Care services"},
            FixtureError,
            "is in route 'Digital', not 'Care services'",
        ),
        ({"near": "Atlantis"}, FixtureError, "town 'Atlantis' is not in the sandbox's places; known: "),
        ({"legal_entity": "NOPE99"}, NotFound, "legal entity 'NOPE99' does not exist"),
        ({"provider": 19999999}, NotFound, "provider 19999999 does not exist"),
    ],
)
def test_arguments_that_make_no_sense_are_refused_saying_why(
    factory: DfeFactory, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        factory.vacancy(**options)


def test_a_subscription_for_an_unknown_account_or_provider_is_refused(factory: DfeFactory) -> None:
    with pytest.raises(NotFound, match="account 'NOPE99' does not exist"):
        factory.subscription("Employer", account="nope99")
    with pytest.raises(NotFound, match="provider 19999999 does not exist"):
        factory.subscription("Provider", provider=19999999)
    with pytest.raises(FixtureError, match="a 'type' of Employer, Provider or External"):
        factory.subscription("Partner")


def test_a_legal_entity_from_an_imported_state_still_gets_vacancies(
    sandbox: Sandbox, factory: DfeFactory, dfe_api: httpx.Client
) -> None:
    data = sandbox.store.vendor("dfe")
    # An imported state brings no record of where its employers are based or what they do.
    data.extras.pop(HOMES_KEY)
    data.extras.pop(SECTORS_KEY)
    made = factory.vacancy(legal_entity="XJ6M7B")
    assert made["employerName"] == "Thornbury Software Ltd"
    assert dfe_api.get(f"/vacancies/vacancy/{made['vacancyReference']}").json() == made


def test_an_apprenticeship_minimum_wage_is_worded_at_the_rate_of_the_day_it_is_read(
    factory: DfeFactory, dfe_api: httpx.Client, sandbox: Sandbox
) -> None:
    # A real v2 answer (captured October 2026): no wageAmount, the year's pay as text, 36 h x 52 x £8.00.
    made = factory.vacancy(
        closing_in_days=400,
        hoursPerWeek=36,
        wage={"wageType": "ApprenticeshipMinimum", "wageUnit": "Annually"},
    )
    reference = made["vacancyReference"]

    def wage() -> dict[str, Any]:
        response = dfe_api.get(f"/vacancies/vacancy/{reference}", headers={"X-Version": "2"})
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()["wage"]
        return found

    # On the default anchor (September 2025) the apprentice rate is £7.55: 36 x 52 x 7.55 = 14,133.60.
    assert wage() == {
        "wageType": "ApprenticeshipMinimum",
        "wageUnit": "Annually",
        "wageAdditionalInformation": "£14,133.60 a year",
    }
    assert made["wage"] == wage()
    # Past April 2026 the same advert is paid at £8.00, in whole pounds, as in the capture.
    sandbox.clock.advance(days=(date(2026, 4, 2) - TODAY).days)
    assert wage()["wageAdditionalInformation"] == "£14,976 a year"
    assert "wageAmount" not in wage()
    # An amount or a text of its own is served as stored.
    own = factory.vacancy(
        closing_in_days=400, wage={"wageType": "ApprenticeshipMinimum", "wageAmount": 15000.0}
    )
    response = dfe_api.get(f"/vacancies/vacancy/{own['vacancyReference']}", headers={"X-Version": "2"})
    assert response.json()["wage"] == {"wageType": "ApprenticeshipMinimum", "wageAmount": 15000.0}
