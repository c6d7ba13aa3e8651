"""The Display Advert API over HTTP: v1 and v2 shapes, error bodies, subscriptions, imported data."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.index import ApiIndex
from mockserver.specs import load_spec
from mockserver.testing import sync_client
from mockserver.vendors.dfe.advert_query import CaseInsensitiveQuery

from .vendor_fixtures import served_alone

EMPLOYER_KEY = "sandbox-subscription-key"
PROVIDER_KEY = "sandbox-provider-key"
EXTERNAL_KEY = "sandbox-external-key"
TRACE_ID = "00-00000000000000000000000000000000-0000000000000000-00"
V1_ONLY = {"address", "otherAddresses", "location"}
V2_ONLY = {"addresses", "applicationUrl"}
DETAILS = {"employerDescription", "trainingDescription", "fullDescription", "skills", "qualifications"}


app, sandbox, _, _ = served_alone(
    "dfe",
    credentials={"dfe": (EMPLOYER_KEY, PROVIDER_KEY, EXTERNAL_KEY)},
    rate_limits={"dfe": "100000/minute"},
)


@pytest.fixture
def call(sandbox: Sandbox) -> Iterator[Any]:
    """``call(path, version="2", key=EMPLOYER_KEY, **params)`` -> response."""
    with sync_client(sandbox, base_url="http://sandbox/apprenticeships/vacancies") as client:

        def request(path: str, version: str = "2", key: str = EMPLOYER_KEY, **params: Any) -> httpx.Response:
            headers = {"Ocp-Apim-Subscription-Key": key, "X-Version": version}
            return client.get(path, params=params, headers=headers)

        yield request


def test_v2_lists_adverts_with_addresses_and_no_v1_fields(call: Any) -> None:
    page = call("/vacancy", PageSize=50).json()
    assert set(page) == {"vacancies", "total", "totalFiltered", "totalPages"}
    for item in page["vacancies"]:
        assert "addresses" in item
        assert not V1_ONLY & set(item)
        assert not DETAILS & set(item)
    assert any("applicationUrl" in item for item in page["vacancies"])


def test_v1_lists_adverts_with_address_and_location_and_no_v2_fields(call: Any) -> None:
    page = call("/vacancy", version="1", PageSize=50).json()
    for item in page["vacancies"]:
        assert not V2_ONLY & set(item)
        assert item["location"] == {"lat": item["address"]["latitude"], "lon": item["address"]["longitude"]}
    assert any("otherAddresses" in item for item in page["vacancies"])


def test_both_versions_list_the_same_adverts_in_the_same_order(call: Any) -> None:
    v1 = call("/vacancy", version="1", PageSize=20).json()
    v2 = call("/vacancy", version="2", PageSize=20).json()
    assert [i["vacancyReference"] for i in v1["vacancies"]] == [
        i["vacancyReference"] for i in v2["vacancies"]
    ]
    assert (v1["total"], v1["totalFiltered"]) == (v2["total"], v2["totalFiltered"])


def test_v1_other_addresses_are_v2s_addresses_after_the_first(call: Any) -> None:
    v1 = {i["vacancyReference"]: i for i in call("/vacancy", version="1", PageSize=200).json()["vacancies"]}
    v2 = call("/vacancy", version="2", PageSize=200).json()["vacancies"]
    several = [i for i in v2 if len(i["addresses"]) > 1]
    assert several
    for item in several:
        old = v1[item["vacancyReference"]]
        assert [old["address"], *old["otherAddresses"]] == item["addresses"]


def test_json_is_camel_case_with_nulls_omitted(call: Any) -> None:
    response = call("/vacancy", PageSize=100, IncludeDetails="true")
    assert "null" not in response.text
    assert "_" not in "".join(k for item in response.json()["vacancies"] for k in item)


def test_include_details_gives_the_detail_shape_up_to_100_per_page(call: Any) -> None:
    detailed = call("/vacancy", PageSize=100, IncludeDetails="true").json()["vacancies"]
    assert all(set(item) >= DETAILS for item in detailed)
    plain = call("/vacancy", PageSize=101, IncludeDetails="true").json()["vacancies"]
    assert not any(DETAILS & set(item) for item in plain)
    assert not any(
        DETAILS & set(i) for i in call("/vacancy", version="1", IncludeDetails="true").json()["vacancies"]
    )


def test_a_detailed_list_item_is_the_vacancy_as_get_answers_it(call: Any) -> None:
    item = call("/vacancy", PageSize=1, IncludeDetails="true", StandardLarsCode=2).json()["vacancies"][0]
    assert call(f"/vacancy/{item['vacancyReference']}").json() == item


def test_the_readme_example_finds_the_named_advert_first(call: Any) -> None:
    response = call(
        "/vacancy", StandardLarsCode=[2, 154], Lat=52.481, Lon=-1.8995, DistanceInMiles=10, Sort="DistanceAsc"
    )
    page = response.json()
    assert response.status_code == 200
    assert page["vacancies"][0]["vacancyReference"] == "1000012345"
    assert {i["course"]["larsCode"] for i in page["vacancies"]} <= {2, 154}
    assert page["totalPages"] == -(-page["totalFiltered"] // 10)


def test_the_named_vacancy_is_served_by_reference(call: Any) -> None:
    advert = call("/vacancy/1000012345").json()
    assert (advert["employerName"], advert["course"]["title"], advert["ukprn"]) == (
        "Thornbury Software Ltd",
        "Software developer (level 4)",
        10012345,
    )
    assert call("/vacancy/VAC1000012345", version="1").json()["address"] == advert["addresses"][0]


def _problem(section: str, title: str, status: int, **more: Any) -> dict[str, Any]:
    """DfE's problem details body: the RFC 7231 section of the status, its title, the trace id."""
    return {
        "type": f"https://tools.ietf.org/html/rfc7231#section-{section}",
        "title": title,
        "status": status,
        **more,
        "traceId": TRACE_ID,
    }


def test_an_unknown_vacancy_answers_problem_details_404(call: Any) -> None:
    response = call("/vacancy/1000000001")
    assert response.status_code == 404
    assert response.json() == _problem("6.5.4", "Not Found", 404)


def test_three_routes_answer_validation_problem_details_400(call: Any) -> None:
    response = call("/vacancy", Routes=["Digital", "Care services", "Hair and beauty"])
    assert response.status_code == 400
    assert response.json() == _problem(
        "6.5.1",
        "One or more validation errors occurred.",
        400,
        errors={"Routes": ["Exceeded maximum of 2 routes to be filtered by"]},
    )


def test_a_parameter_that_breaks_its_schema_is_keyed_by_its_name(call: Any) -> None:
    response = call("/vacancy", PageSize="ten")
    assert response.status_code == 400
    assert response.json()["errors"] == {"PageSize": ["'ten' is not of type 'integer'"]}


def test_two_routes_are_read_from_repeated_parameters(call: Any) -> None:
    page = call("/vacancy", Routes=["Digital", "Care services"], PageSize=200).json()
    assert {i["course"]["route"] for i in page["vacancies"]} == {"Digital", "Care services"}


def test_another_employers_legal_entity_answers_problem_details_403(call: Any, sandbox: Sandbox) -> None:
    state = sandbox.store.export("dfe")["collections"]
    other = next(e for e in state["legal_entities"].values() if e["accountPublicHashedId"] != "V7YWNG")
    response = call("/vacancy", AccountLegalEntityPublicHashedId=other["accountLegalEntityPublicHashedId"])
    assert response.status_code == 403
    assert response.json() == _problem("6.5.3", "Forbidden", 403)


def test_the_subscription_decides_what_filter_by_subscription_keeps(call: Any) -> None:
    mine = call("/vacancy", FilterBySubscription="true", PageSize=200).json()["vacancies"]
    assert {i["employerName"] for i in mine} <= {"Thornbury Software Ltd", "Thornbury Software Services Ltd"}
    trained = call("/vacancy", key=PROVIDER_KEY, FilterBySubscription="true", PageSize=200).json()[
        "vacancies"
    ]
    assert {i["ukprn"] for i in trained} == {10012345}
    everyone = call("/vacancy", key=EXTERNAL_KEY, FilterBySubscription="true").json()
    assert everyone["totalFiltered"] == everyone["total"]


def test_account_legal_entities_depend_on_the_subscription(call: Any) -> None:
    employer = call("/accountlegalentities").json()["accountLegalEntities"]
    assert [e["accountLegalEntityPublicHashedId"] for e in employer] == ["XJ6M7B", "Y4K9DW"]
    provider = call("/accountlegalentities", key=PROVIDER_KEY).json()["accountLegalEntities"]
    assert {"XJ6M7B", "Y4K9DW"} <= {e["accountLegalEntityPublicHashedId"] for e in provider}
    external = call("/accountlegalentities", key=EXTERNAL_KEY)
    assert (external.status_code, external.json()["title"]) == (403, "Forbidden")


def test_a_provider_may_filter_by_a_legal_entity_it_trains_for(call: Any) -> None:
    page = call("/vacancy", key=PROVIDER_KEY, AccountLegalEntityPublicHashedId="XJ6M7B").json()
    assert "1000012345" in [i["vacancyReference"] for i in page["vacancies"]]


def _import_vacancies(client: httpx.Client, sandbox: Sandbox, vacancies: dict[str, Any]) -> None:
    state = copy.deepcopy(sandbox.store.export("dfe"))
    state["collections"]["vacancies"] = vacancies
    assert client.put("/__sandbox__/state/dfe", json=state).status_code == 200


def test_an_imported_hand_written_vacancy_is_served_in_both_versions(call: Any, sandbox: Sandbox) -> None:
    written = {
        # A v1-shaped record, as someone might write it by hand: read as its v2 equivalent.
        "title": "Apprentice Baker",
        "postedDate": "2025-08-30T09:00:00Z",
        "closingDate": "2025-09-20T23:59:59Z",
        "course": {
            "larsCode": 228,
            "title": "Commis chef (level 2)",
            "level": 2,
            "route": "Catering and hospitality",
        },
        "address": {
            "addressLine1": "1 Mill Lane",
            "addressLine2": "",
            "postcode": "YO1 7HH",
            "latitude": 53.96,
            "longitude": -1.08,
        },
        "otherAddresses": [{"postcode": "LS1 4AP", "latitude": 53.797, "longitude": -1.548}],
        "employerName": "Bettys of York",
    }
    with sync_client(sandbox) as client:
        _import_vacancies(client, sandbox, {"VAC2000000001": written})
    page = call("/vacancy").json()
    assert (page["total"], page["totalFiltered"]) == (1, 1)
    v2 = call("/vacancy/2000000001").json()
    assert v2["vacancyReference"] == "2000000001"
    assert [a["postcode"] for a in v2["addresses"]] == ["YO1 7HH", "LS1 4AP"]
    assert "addressLine2" not in v2["addresses"][0]
    # Value types DfE never leaves out get .NET's defaults.
    assert (v2["numberOfPositions"], v2["isNationalVacancy"], v2["startDate"]) == (
        0,
        False,
        "0001-01-01T00:00:00Z",
    )
    v1 = call("/vacancy/2000000001", version="1").json()
    assert v1["location"] == {"lat": 53.96, "lon": -1.08}
    assert v1["otherAddresses"] == [v2["addresses"][1]]
    near_leeds = call("/vacancy", Lat=53.8, Lon=-1.55, DistanceInMiles=1).json()
    assert [i["vacancyReference"] for i in near_leeds["vacancies"]] == ["2000000001"]


def test_an_imported_vacancy_without_a_standard_is_not_listed(call: Any, sandbox: Sandbox) -> None:
    with sync_client(sandbox) as client:
        _import_vacancies(
            client, sandbox, {"2000000002": {"title": "No course", "closingDate": "2025-12-01T23:59:59Z"}}
        )
    assert call("/vacancy").json()["total"] == 0
    assert call("/vacancy/2000000002").status_code == 404


def test_reset_brings_the_seeded_vacancies_back(call: Any, sandbox: Sandbox) -> None:
    with sync_client(sandbox) as client:
        _import_vacancies(client, sandbox, {})
        assert call("/vacancy").json()["total"] == 0
        assert client.post("/__sandbox__/reset", json={}).status_code == 200
    assert call("/vacancy/1000012345").status_code == 200


def test_a_scenario_file_sets_up_the_vacancies_a_test_needs(tmp_path: Path) -> None:
    scenario = tmp_path / "dfe.yaml"
    scenario.write_text(
        "api: dfe\nanchor_date: 2025-09-01\nsizes: {accounts: 1, providers: 1, vacancies: 0}\n"
        "records:\n  vacancies:\n    - vacancyReference: '1234567890'\n      standardLarsCode: 255\n"
        "      town: York\n      title: Care Assistant Apprentice\n",
        encoding="utf-8",
    )
    app = create_app(apis=("dfe",), fixtures=(scenario,), validate_responses=True)
    with sync_client(app, base_url="http://sandbox/apprenticeships/vacancies") as client:
        page = client.get(
            "/vacancy", headers={"Ocp-Apim-Subscription-Key": EMPLOYER_KEY, "X-Version": "2"}
        ).json()
    assert [(i["vacancyReference"], i["title"]) for i in page["vacancies"]] == [
        ("1234567890", "Care Assistant Apprentice")
    ]
    assert page["vacancies"][0]["addresses"][0]["postcode"].startswith("YO1 ")
    assert app.errors == []


def test_parameter_names_are_bound_ignoring_case_as_aspnet_binds_them(call: Any) -> None:
    exact = call("/vacancy", PageSize=3, Routes=["Digital", "Care services"], Sort="AgeAsc").json()
    loose = call("/vacancy", pageSize=3, routes=["Digital", "Care services"], SORT="AgeAsc").json()
    assert loose == exact
    assert len(loose["vacancies"]) == 3
    assert loose["totalFiltered"] < loose["total"]


async def _unused_app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("not called")


def test_names_are_renamed_without_touching_values_or_unknown_keys() -> None:
    middleware = CaseInsensitiveQuery(
        _unused_app, ApiIndex({"/vacancies": load_spec("dfe-display-advert.yaml")})
    )
    assert (
        middleware._rename(b"employername=A%26B+Ltd&Other=1&PageSize=2")
        == b"EmployerName=A%26B+Ltd&Other=1&PageSize=2"
    )
    assert middleware._rename(b"PageSize=2&x") is None
