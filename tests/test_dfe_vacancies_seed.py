"""The seeded Display Advert data: deterministic per seed, and realistic in every advert."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from mockserver import FixtureError, VendorData
from mockserver.resources import fixture_path
from mockserver.scenarios import load_scenario
from mockserver.store import Record
from mockserver.vendors.dfe import advert_seed
from mockserver.vendors.dfe import reference as ref
from mockserver.vendors.dfe import vacancies as v

SCENARIO = load_scenario(fixture_path("dfe/default.yaml"))


def seeded(seed: int = 0, scenario: dict[str, Any] | None = None) -> VendorData:
    data = VendorData("dfe", seed)
    advert_seed.seed(data, SCENARIO if scenario is None else scenario)
    return data


@pytest.fixture(scope="module")
def adverts() -> list[Record]:
    return list(seeded().collection(v.VACANCIES).values())


def test_the_same_seed_gives_the_same_data() -> None:
    assert seeded(3).export() == seeded(3).export()


def test_another_seed_gives_other_data() -> None:
    assert seeded(3).export() != seeded(4).export()


def test_the_named_records_survive_every_seed() -> None:
    for seed in (0, 1, 2):
        data = seeded(seed)
        assert data.collection(v.VACANCIES)["1000012345"]["employerName"] == "Thornbury Software Ltd"
        assert (
            data.collection(v.SUBSCRIPTIONS)["sandbox-subscription-key"]["accountPublicHashedId"] == "V7YWNG"
        )
        assert data.collection(v.PROVIDERS)["10012345"]["name"] == "Mercia Digital Skills Ltd"


def test_scenario_sizes_are_honoured() -> None:
    data = seeded(scenario={"sizes": {"accounts": 2, "providers": 1, "vacancies": 5}})
    assert len(data.collection(v.ACCOUNTS)) == 2
    assert len(data.collection(v.PROVIDERS)) == 1
    assert len(data.collection(v.VACANCIES)) == 5


def test_without_named_subscriptions_the_default_key_is_an_employer_of_the_first_account() -> None:
    data = seeded(scenario={"sizes": {"accounts": 2, "vacancies": 5}})
    (key,) = data.collection(v.SUBSCRIPTIONS).values()
    assert (key["id"], key["type"]) == ("sandbox-subscription-key", "Employer")
    assert any(
        a["accountPublicHashedId"] == key["accountPublicHashedId"]
        for a in data.collection(v.VACANCIES).values()
    )


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"sizes": {"vacancy": 3}}, "unknown sizes"),
        ({"records": {"providers": [{"ukprn": 2000}]}}, "8 digits starting with 1"),
        ({"records": {"accounts": [{"route": "Astronautics"}]}}, "route"),
        ({"records": {"vacancies": [{"standardLarsCode": 99999}]}}, "not a sandbox standard"),
        ({"records": {"vacancies": [{"town": "Atlantis"}]}}, "Atlantis"),
        (
            {
                "records": {
                    "subscriptions": [{"key": "k", "type": "Employer", "accountPublicHashedId": "NOPE"}]
                }
            },
            "NOPE",
        ),
        ({"records": {"subscriptions": [{"key": "k", "type": "Admin"}]}}, "Employer, Provider or External"),
    ],
)
def test_a_scenario_that_cannot_be_seeded_says_why(scenario: dict[str, Any], message: str) -> None:
    with pytest.raises(FixtureError, match=message):
        seeded(scenario=scenario)


def test_every_legal_entity_advertises(adverts: list[Record]) -> None:
    data = seeded()
    advertising = {a["accountLegalEntityPublicHashedId"] for a in adverts}
    assert advertising == set(data.collection(v.LEGAL_ENTITIES))


def test_references_are_numeric_strings_and_urls_point_at_find_an_apprenticeship(
    adverts: list[Record],
) -> None:
    for advert in adverts:
        assert re.fullmatch(r"1\d{9}", advert["vacancyReference"])
        assert advert["vacancyUrl"] == (
            f"https://www.findapprenticeship.service.gov.uk/apprenticeship/reference/{advert['vacancyReference']}"
        )


def test_dates_run_posted_then_closing_then_start(adverts: list[Record]) -> None:
    for advert in adverts:
        posted, closing, start = (
            datetime.fromisoformat(advert[k]) for k in ("postedDate", "closingDate", "startDate")
        )
        assert posted < closing < start
        assert closing.time().isoformat() == "23:59:59"


def test_wages_agree_with_their_wage_type(adverts: list[Record]) -> None:
    seen = set()
    for advert in adverts:
        wage, hours = advert["wage"], advert["hoursPerWeek"]
        seen.add(wage["wageType"])
        if wage["wageType"] == "ApprenticeshipMinimum":
            # Stored without an amount or text: the answer words the pay at the rate of the day it is read.
            assert wage["wageUnit"] == "Annually"
            assert "wageAmount" not in wage
            assert "wageAdditionalInformation" not in wage
        elif wage["wageType"] == "NationalMinimum":
            assert (wage["wageUnit"], wage["wageAmount"]) == ("Annually", round(12.21 * hours * 52, 2))
        elif wage["wageType"] == "Custom":
            per_year = {"Annually": 1, "Monthly": 12, "Weekly": 52}[wage["wageUnit"]]
            assert wage["wageAmount"] * per_year >= 7.55 * hours * 52 - 1
        else:
            assert wage["wageUnit"] == "Unspecified"
            assert "wageAmount" not in wage
    assert seen == set(ref.WAGE_TYPES)


def test_addresses_have_real_postcode_districts_at_their_coordinates(adverts: list[Record]) -> None:
    districts = {p.district: p for p in ref.PLACES}
    for advert in adverts:
        for address in advert["addresses"]:
            outward, inward = address["postcode"].split(" ")
            place = districts[outward]
            assert re.fullmatch(r"[1-9][ABDEFGHJLNPQRSTUWXYZ]{2}", inward)
            assert address["addressLine3"] == place.town
            miles = v.haversine_miles(
                place.latitude, place.longitude, address["latitude"], address["longitude"]
            )
            assert miles < 2


def test_providers_and_employers_are_consistent_across_records(adverts: list[Record]) -> None:
    data = seeded()
    for advert in adverts:
        provider = data.collection(v.PROVIDERS)[str(advert["ukprn"])]
        entity = data.collection(v.LEGAL_ENTITIES)[advert["accountLegalEntityPublicHashedId"]]
        assert re.fullmatch(r"1\d{7}", str(advert["ukprn"]))
        assert advert["providerName"] == provider["name"]
        assert advert["ukprn"] in entity["trainingProviderUkprns"]
        assert advert["employerName"] == entity["accountLegalEntityName"]
        assert advert["accountPublicHashedId"] == entity["accountPublicHashedId"]


def test_public_hashed_ids_look_like_dfes(adverts: list[Record]) -> None:
    data = seeded()
    for entity in data.collection(v.LEGAL_ENTITIES).values():
        for key in ("accountLegalEntityPublicHashedId", "accountPublicHashedId"):
            assert re.fullmatch(f"[{ref.HASHED_ID_ALPHABET}]{{6}}", entity[key])


def test_text_fields_keep_within_dfes_lengths(adverts: list[Record]) -> None:
    for advert in adverts:
        assert len(advert["title"]) <= 100
        assert len(advert["description"]) <= 350
        assert len(advert.get("isNationalVacancyDetails", "")) <= 500
        assert len(advert["employerDescription"]) <= 4000


def test_only_adverts_recruiting_nationally_say_how(adverts: list[Record]) -> None:
    national = [a for a in adverts if a["isNationalVacancy"]]
    assert national
    assert all(a.get("isNationalVacancyDetails") for a in national)
    assert not [
        a["vacancyReference"]
        for a in adverts
        if not a["isNationalVacancy"] and "isNationalVacancyDetails" in a
    ]
