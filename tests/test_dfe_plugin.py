"""The ``dfe_sandbox`` fixture, used as a downstream project would: test files run with ``pytester``."""

from __future__ import annotations

import pytest


def test_a_search_near_a_postcode_is_tested_against_factory_vacancies(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_adverts="""
        import httpx

        GEOCODER = {"B3 2QD": (52.482, -1.9), "PL1 1AA": (50.37, -4.142)}


        def adverts_near(client: httpx.Client, postcode: str, miles: int = 5) -> list[dict]:
            lat, lon = GEOCODER[postcode]
            response = client.get("/vacancies/vacancy", params={
                "Lat": lat, "Lon": lon, "DistanceInMiles": miles, "Sort": "DistanceAsc",
                "ExcludeRecruitingNationally": True, "PageSize": 50})
            response.raise_for_status()
            return response.json()["vacancies"]


        def test_finds_only_the_adverts_near_the_postcode(dfe_sandbox):
            factory = dfe_sandbox.factory
            near = factory.vacancies(2, near="B3 2QD", route="Digital", national=False)
            far = factory.vacancy(near="PL1 1AA", route="Digital", national=False)

            found = adverts_near(dfe_sandbox.client, "B3 2QD", miles=2)

            references = [advert["vacancyReference"] for advert in found]
            assert {v["vacancyReference"] for v in near} <= set(references)
            assert far["vacancyReference"] not in references
            assert [a["distance"] for a in found] == sorted(a["distance"] for a in found)
            call = dfe_sandbox.assert_called_once("getVacancies", path="/vacancies/vacancy",
                                                     query={"DistanceInMiles": "2"})
            assert call.status == 200 and dfe_sandbox.headers["X-Version"] == "2"


        def test_the_next_test_starts_from_the_seed(dfe_sandbox):
            assert dfe_sandbox.state["progress"] == []
            assert len(dfe_sandbox.state["vacancies"]) == 122
            dfe_sandbox.assert_not_called("getVacancies")


        def test_a_wrong_search_fails_listing_the_calls(dfe_sandbox):
            adverts_near(dfe_sandbox.client, "PL1 1AA", miles=1)
            dfe_sandbox.assert_called("getVacancies", query={"DistanceInMiles": "10"})
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: expected getVacancies with query={'DistanceInMiles': '10'} to be called "
            "at least once, but it was never called.",
            "E * Calls to dfe during this test (1):",
            "E * 1. GET /apprenticeships/vacancies/vacancy?Lat=50.37&Lon=-4.142&DistanceInMiles=1&*"
            " -> 200 getVacancies",
        ]
    )


def test_track_progress_subscriptions_and_refusals_through_the_fixture(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        def test_progress_for_a_factory_apprenticeship(dfe_sandbox, sandbox):
            made = dfe_sandbox.factory.apprenticeship(standard=2)
            url = f"/apprenticeships/{made['uln']}/{made['plannedStartDate']}/progress"
            body = {"progress": {"ksbs": [{"id": made["ksbs"][0]["id"], "value": 75}]}}
            assert dfe_sandbox.client.post(url, json=body).status_code == 404  # v2: not served
            v1 = sandbox.client("dfe", headers={"X-Version": "1"})
            assert v1.post(url, json=body).json() == {"progressId": 1}
            dfe_sandbox.assert_called_once("addApprenticeshipProgress", path="/apprenticeships/*/progress",
                                           json=body)
            (refused,) = dfe_sandbox.calls(status=404)
            assert refused.operation_id is None and refused.path.endswith("/progress")
            assert dfe_sandbox.state.find("progress", apprenticeshipId=made["id"])[0]["ksbs"] == [
                {"id": made["ksbs"][0]["id"], "value": 75}]

        def test_a_provider_subscription_for_the_default_key(dfe_sandbox):
            provider = dfe_sandbox.factory.provider()
            account = dfe_sandbox.factory.account(providers=[provider])
            dfe_sandbox.factory.subscription("Provider", provider=provider)
            listed = dfe_sandbox.client.get("/vacancies/accountlegalentities").json()
            assert [e["accountPublicHashedId"] for e in listed["accountLegalEntities"]] == [
                account["accountPublicHashedId"]]

        def test_a_missing_key_is_journaled_without_an_operation(dfe_sandbox, sandbox):
            response = sandbox.client().get("/apprenticeships/vacancies/vacancy", headers={"X-Version": "2"})
            assert response.status_code == 401
            (call,) = dfe_sandbox.calls(status=401, path="/vacancies/vacancy")
            assert call.operation_id is None
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_each_tests_reset_clears_the_rate_limit(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import dataclasses
        import pytest

        @pytest.fixture(scope="session")
        def sandbox_options(sandbox_options):
            return dataclasses.replace(sandbox_options, apis=("dfe",), rate_limits={"dfe": "3 per 5 minutes"})
        """
    )
    project.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("run", [1, 2])
        def test_the_fourth_request_is_refused(dfe_sandbox, run):
            routes = "/vacancies/referencedata/courses/routes"
            statuses = [dfe_sandbox.client.get(routes).status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]
            (refused,) = dfe_sandbox.calls(status=429)
            assert refused.operation_id is None
        """
    )
    project.runpytest().assert_outcomes(passed=2)
