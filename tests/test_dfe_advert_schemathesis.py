"""Schemathesis, through its pytest integration, against the in-process Display Advert API.

A valid subscription key goes with every request and Schemathesis draws ``X-Version`` from the
spec (both versions, and invalid ones in negative mode); the rate limit is raised so the gateway's
429 does not cut the run short. Positive and negative data, all default checks, and the stateful
phase that follows the spec's link from a page of vacancies to one vacancy.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import settings
from schemathesis.config import ApiKeyAuthConfig

from mockserver import create_app

APP = create_app(apis=("dfe",), validate_responses=True, rate_limits={"dfe": "1000000/minute"})
schema = schemathesis.openapi.from_asgi("/apprenticeships/vacancies/openapi.json", APP)
# The key goes through the spec's security scheme, not a fixed header, so Schemathesis can also
# send requests without it or with a wrong one and see the gateway's 401.
schema.config.auth.openapi.schemes["SubscriptionKey"] = ApiKeyAuthConfig(api_key="sandbox-subscription-key")
# DfE's gateway answers a missing X-Version (the one required header) with 404, as its docs say;
# a missing key with 401. test_dfe_gateway.py proves both bodies; Schemathesis expects other 4xx.
schema.config.checks.missing_required_header.expected_statuses = ["401", "404"]


# (operationId, X-Version, status) of every request Schemathesis made.
SERVED: list[tuple[str, str, int]] = []


@schema.hook("after_call")
def _record(_ctx: Any, case: Any, response: Any) -> None:
    version = str((case.headers or {}).get("X-Version", ""))
    SERVED.append((case.operation.definition.raw["operationId"], version, response.status_code))


@schema.parametrize()
def test_display_advert_conforms_to_its_spec(case: Any) -> None:
    case.call_and_validate()


class LinkedWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Schemathesis' link-following state machine, each scenario starting from seeded data."""

    def setup(self) -> None:
        APP.reset(0)


def test_stateful_links_hold() -> None:
    LinkedWorkflow.run(
        settings=settings(max_examples=settings().max_examples, stateful_step_count=6, deadline=None)
    )


def test_the_sandbox_raised_nothing_under_schemathesis() -> None:
    assert APP.errors == []


def test_schemathesis_reached_every_handler_with_both_versions() -> None:
    # Guards against a run that only ever met the gateway: each operation answered 200 in v1 and v2.
    assert {(op, v) for op, v, status in SERVED if status == 200} >= {
        (op, v) for op in schema_operations() for v in ("1", "2")
    }


def test_schemathesis_sent_negative_data_too() -> None:
    # Invalid parameters answered 400 and invalid versions the gateway's 404: negative mode ran.
    statuses = {status for op, _v, status in SERVED if op == "getVacancies"}
    assert {400, 404} <= statuses


def schema_operations() -> set[str]:
    return {"getVacancies", "getVacancy", "getCourses", "getRoutes", "getAccountLegalEntities"}
