"""Repeated query parameters bind as ASP.NET binds them: each repetition one value, commas and all."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import create_app
from mockserver.testing import sync_client

COMMA_ROUTE = "Agriculture, environmental and animal care"


@pytest.fixture(scope="module")
def adverts() -> Iterator[httpx.Client]:
    app = create_app(apis=("dfe",))
    headers = {"Ocp-Apim-Subscription-Key": "sandbox-subscription-key", "X-Version": "2"}
    with sync_client(app, base_url="http://sandbox/apprenticeships/vacancies", headers=headers) as client:
        yield client


def test_a_route_whose_name_holds_a_comma_filters_as_one_route(adverts: httpx.Client) -> None:
    page = adverts.get("/vacancy", params={"Routes": [COMMA_ROUTE], "PageSize": 100}).json()
    assert page["totalFiltered"] > 0
    assert {v["course"]["route"] for v in page["vacancies"]} == {COMMA_ROUTE}


def test_two_routes_one_with_a_comma_are_two_values(adverts: httpx.Client) -> None:
    both = adverts.get("/vacancy", params={"Routes": [COMMA_ROUTE, "Digital"], "PageSize": 100}).json()
    one = adverts.get("/vacancy", params={"Routes": [COMMA_ROUTE]}).json()
    digital = adverts.get("/vacancy", params={"Routes": ["Digital"]}).json()
    assert both["totalFiltered"] == one["totalFiltered"] + digital["totalFiltered"]


def test_comma_separated_lars_codes_in_one_value_are_refused_as_asp_net_refuses_them(
    adverts: httpx.Client,
) -> None:
    response = adverts.get("/vacancy?StandardLarsCode=2,154")
    assert response.status_code == 400
    assert response.json()["title"] == "One or more validation errors occurred."
