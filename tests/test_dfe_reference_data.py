"""Courses and routes of the Display Advert API, and their agreement with the vacancies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors.dfe import reference as ref

HEADERS = {"Ocp-Apim-Subscription-Key": "sandbox-subscription-key", "X-Version": "2"}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    app: Sandbox = create_app(apis=("dfe",), validate_responses=True, rate_limits={"dfe": "100000/minute"})
    with sync_client(app, base_url="http://sandbox/apprenticeships/vacancies", headers=HEADERS) as c:
        yield c
    assert app.errors == []


@pytest.fixture(scope="module")
def courses(client: httpx.Client) -> list[dict[str, Any]]:
    return list(client.get("/referencedata/courses").json()["trainingCourses"])


@pytest.fixture(scope="module")
def routes(client: httpx.Client) -> list[str]:
    return [r["name"] for r in client.get("/referencedata/courses/routes").json()["routes"]]


@pytest.fixture(scope="module")
def adverts(client: httpx.Client) -> list[dict[str, Any]]:
    return list(client.get("/vacancy", params={"PageSize": 1000}).json()["vacancies"])


def test_routes_are_the_fifteen_occupational_routes(routes: list[str]) -> None:
    assert len(routes) == len(set(routes)) == 15
    assert {"Digital", "Care services", "Legal, finance and accounting", "Hair and beauty"} <= set(routes)


def test_courses_are_standards_titled_with_their_level(courses: list[dict[str, Any]]) -> None:
    assert len(courses) == len(ref.STANDARDS)
    assert len({c["larsCode"] for c in courses}) == len(courses)
    for course in courses:
        assert re.fullmatch(r".+ \(level [2-7]\)", course["title"])
        assert course["type"] == "Standard"
    assert {
        "larsCode": 2,
        "title": "Software developer (level 4)",
        "route": "Digital",
        "type": "Standard",
    } in courses


def test_every_course_is_in_a_listed_route_and_every_route_has_courses(
    courses: list[dict[str, Any]], routes: list[str]
) -> None:
    assert {c["route"] for c in courses} == set(routes)


def test_every_adverts_course_is_a_listed_course(
    courses: list[dict[str, Any]], adverts: list[dict[str, Any]]
) -> None:
    listed = {c["larsCode"]: c for c in courses}
    assert len(adverts) > 100
    for advert in adverts:
        course = advert["course"]
        assert {k: course[k] for k in ("larsCode", "title", "route", "type")} == listed[course["larsCode"]]
        assert course["title"].endswith(f"(level {course['level']})")


def test_every_route_has_adverts(routes: list[str], adverts: list[dict[str, Any]]) -> None:
    assert {a["course"]["route"] for a in adverts} == set(routes)


def test_apprenticeship_level_names_the_courses_level(adverts: list[dict[str, Any]]) -> None:
    names = {2: "Intermediate", 3: "Advanced", 4: "Higher", 5: "Higher", 6: "Degree", 7: "Degree"}
    for advert in adverts:
        assert advert["apprenticeshipLevel"] == names[advert["course"]["level"]]


def test_a_listed_course_and_route_find_their_adverts(
    client: httpx.Client, courses: list[dict[str, Any]]
) -> None:
    for code in (2, 279):
        page = client.get("/vacancy", params={"StandardLarsCode": code, "PageSize": 1000}).json()
        assert {a["course"]["larsCode"] for a in page["vacancies"]} <= {code}
    route = client.get("/vacancy", params={"Routes": "Digital", "PageSize": 1000}).json()
    digital = {c["larsCode"] for c in courses if c["route"] == "Digital"}
    assert route["totalFiltered"] > 0
    assert {a["course"]["larsCode"] for a in route["vacancies"]} <= digital


def test_reference_data_is_the_same_in_both_versions(client: httpx.Client) -> None:
    for path in ("/referencedata/courses", "/referencedata/courses/routes"):
        assert client.get(path, headers={"X-Version": "1"}).json() == client.get(path).json()
