"""The pagination check, on a small paged API of the tests' own.

DfE-shaped: two documents under one root (one served at a base path), a paged search declared
with ``x-pagination``.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from contracts import Contract, Document, RunOptions, Target, verify

from .contract_budget import some
from .contract_faults import Rewrite, lie_about_totals, on_success

RECORDS = [{"id": n, "title": f"Vacancy {n}"} for n in range(1, 24)]


def _document(title: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI document with one GET ``operation`` at ``path``."""
    return {"openapi": "3.0.3", "info": {"title": title, "version": "1"}, "paths": {path: {"get": operation}}}


SPEC = _document(
    "Paged",
    "/vacancies",
    {
        "operationId": "searchVacancies",
        "summary": "Search vacancies",
        "x-pagination": {
            "items": "vacancies",
            "total": "totalFiltered",
            "grand-total": "total",
            "pages": "totalPages",
            "page": "PageNumber",
            "size": "PageSize",
            "first-page": 1,
        },
        "parameters": [
            {
                "name": "PageNumber",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 9, "default": 1},
            },
            {
                "name": "PageSize",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 30, "default": 10},
            },
        ],
        "responses": {
            "200": {
                "description": "A page of vacancies",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["vacancies", "total", "totalFiltered", "totalPages"],
                            "properties": {
                                "vacancies": {"type": "array", "items": {"type": "object"}},
                                "total": {"type": "integer"},
                                "totalFiltered": {"type": "integer"},
                                "totalPages": {"type": "integer"},
                            },
                        }
                    }
                },
            },
            "400": {
                "description": "Bad paging",
                "content": {"application/json": {"schema": {"type": "object", "required": ["message"]}}},
            },
        },
    },
)


async def search(request: Request) -> JSONResponse:
    try:
        page = int(request.query_params.get("PageNumber", "1"))
        size = int(request.query_params.get("PageSize", "10"))
    except ValueError:
        return JSONResponse({"message": "PageNumber and PageSize are integers"}, status_code=400)
    if not (1 <= page <= 9 and 1 <= size <= 30):
        return JSONResponse({"message": "PageNumber is 1-9, PageSize 1-30"}, status_code=400)
    chunk = RECORDS[(page - 1) * size : page * size]
    body = {
        "vacancies": chunk,
        "total": len(RECORDS),
        "totalFiltered": len(RECORDS),
        "totalPages": math.ceil(len(RECORDS) / size),
    }
    return JSONResponse(body)


REFERENCE_SPEC = _document(
    "Reference data",
    "/routes",
    {
        "operationId": "listRoutes",
        "summary": "List routes",
        "responses": {
            "200": {
                "description": "Route names",
                "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}},
            }
        },
    },
)


async def routes(request: Request) -> JSONResponse:
    return JSONResponse(["Agriculture", "Digital"])


def paged_app() -> Starlette:
    return Starlette(routes=[Route("/paged/vacancies", search), Route("/paged/reference/routes", routes)])


def lying_totals() -> Rewrite:
    """The paged app, its ``totalFiltered`` one more than the records it pages through."""
    return Rewrite(paged_app(), "GET", "/vacancies$", response=lie_about_totals("totalFiltered"))


CONTRACT = Contract(
    api="paged",
    documents=(
        Document(name="paged.yaml", base_path="", spec=SPEC),
        Document(name="reference.yaml", base_path="/reference", spec=REFERENCE_SPEC),
    ),
)


def _run(app: Any) -> Any:
    target = Target(api="paged", base_url="http://sandbox/paged", app=app)
    options = RunOptions(phases=("examples", "fuzzing"), max_examples=some())
    return verify(target, options, contract=CONTRACT)


def test_honest_pagination_passes() -> None:
    result = _run(paged_app())
    assert result.ok, [f.describe() for f in result.failures]
    assert result.operations["searchVacancies"].requests > 0


def test_every_document_of_an_api_is_verified_at_its_base_path() -> None:
    result = _run(paged_app())
    assert result.operations["listRoutes"].label == "GET /reference/routes"
    assert result.operations["listRoutes"].requests > 0
    assert result.ok


def test_pagination_totals_that_lie_fail_naming_the_operation() -> None:
    result = _run(lying_totals())
    assert result.failed_operations() == {"searchVacancies"}
    assert any("pagination_envelope" in f.describe() for f in result.failures)


@pytest.mark.parametrize("field", ["totalPages", "vacancies"])
def test_pages_or_records_that_disagree_with_the_total_fail(field: str) -> None:
    def lie(body: dict[str, Any]) -> dict[str, Any]:
        if field == "totalPages":
            return {**body, "totalPages": body["totalPages"] + 1}
        return {**body, "vacancies": body["vacancies"][1:]}

    result = _run(Rewrite(paged_app(), "GET", "/vacancies$", response=on_success(lie)))
    assert result.failed_operations() == {"searchVacancies"}
