"""specs/dfe-display-advert.yaml against itself and the sandbox: examples and version shapes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from mockserver import create_app
from mockserver.index import HTTP_METHODS
from mockserver.specs import load_spec
from mockserver.testing import sync_client

SPEC = load_spec("dfe-display-advert.yaml")


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def conforms(schema: dict[str, Any], instance: Any) -> bool:
    # $refs in the schema resolve against the document root, so the components go along.
    return bool(OAS30Validator({**schema, "components": SPEC["components"]}).is_valid(instance))


def _response_examples() -> Iterator[Any]:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for status, response in operation["responses"].items():
                media = _resolve(response).get("content", {}).get("application/json")
                if media is None:
                    continue
                examples = (
                    {"example": {"value": media["example"]}}
                    if "example" in media
                    else media.get("examples", {})
                )
                for name, example in examples.items():
                    label = f"{method.upper()} {path} {status} {name}"
                    yield pytest.param(media["schema"], _resolve(example)["value"], id=label)


@pytest.mark.parametrize(("schema", "example"), list(_response_examples()))
def test_every_response_example_fits_its_schema(schema: dict[str, Any], example: Any) -> None:
    assert conforms(schema, example)


def _shape(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _example(name: str) -> Any:
    return SPEC["components"]["examples"][name]["value"]


@pytest.mark.parametrize(
    ("example", "fits", "does_not_fit"),
    [
        ("VacanciesPageV1", "VacanciesListV1", "VacanciesListV2"),
        ("VacanciesPageV2", "VacanciesListV2", "VacanciesListV1"),
        ("VacancyDetailsV1", "VacancyDetailsV1", "VacancyDetailsV2"),
        ("VacancyDetailsV2", "VacancyDetailsV2", "VacancyDetailsV1"),
    ],
)
def test_each_versions_example_fits_only_its_versions_shape(
    example: str, fits: str, does_not_fit: str
) -> None:
    assert conforms(_shape(fits), _example(example))
    assert not conforms(_shape(does_not_fit), _example(example))


def test_v1_shapes_are_marked_deprecated() -> None:
    schemas = SPEC["components"]["schemas"]
    assert all(
        schemas[name].get("deprecated") for name in ("VacanciesListV1", "VacancyItemV1", "VacancyDetailsV1")
    )
    assert not any(
        schemas[name].get("deprecated") for name in ("VacanciesListV2", "VacancyItemV2", "VacancyDetailsV2")
    )


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    app = create_app(apis=("dfe",), rate_limits={"dfe": "100000/minute"})
    with sync_client(
        app,
        base_url="http://sandbox/apprenticeships/vacancies",
        headers={"Ocp-Apim-Subscription-Key": "sandbox-subscription-key"},
    ) as c:
        yield c


@pytest.mark.parametrize(
    ("version", "params", "fits", "does_not_fit"),
    [
        ("1", {}, "VacanciesListV1", "VacanciesListV2"),
        ("2", {}, "VacanciesListV2", "VacanciesListV1"),
        ("2", {"IncludeDetails": "true"}, "VacanciesDetailsListV2", "VacanciesListV2"),
    ],
)
def test_the_sandbox_answers_each_version_in_its_own_shape(
    client: httpx.Client, version: str, params: dict[str, str], fits: str, does_not_fit: str
) -> None:
    page = client.get("/vacancy", params={"PageSize": 100, **params}, headers={"X-Version": version}).json()
    assert conforms(_shape(fits), page)
    assert not conforms(_shape(does_not_fit), page)


@pytest.mark.parametrize(
    ("version", "fits", "does_not_fit"),
    [("1", "VacancyDetailsV1", "VacancyDetailsV2"), ("2", "VacancyDetailsV2", "VacancyDetailsV1")],
)
def test_one_vacancy_comes_in_its_versions_shape(
    client: httpx.Client, version: str, fits: str, does_not_fit: str
) -> None:
    advert = client.get("/vacancy/1000012345", headers={"X-Version": version}).json()
    assert conforms(_shape(fits), advert)
    assert not conforms(_shape(does_not_fit), advert)
