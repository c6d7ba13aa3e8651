"""Schemathesis, through its pytest integration, against the in-process ApprentiScope sandbox.

Every operation, positive and negative data, all default checks; plus the stateful phase that
follows the spec's OpenAPI links (create -> read -> update -> delete).

The schema is loaded eagerly: schemathesis' lazy ``from_fixture`` loader uses a pytest private
that pytest 9 removed.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import settings

from mockserver import create_app

from .conftest import AUTH

APP = create_app(apis=("apprentiscope",), validate_responses=True)
schema = schemathesis.openapi.from_asgi("/apprentiscope/openapi.json", APP)
schema.config.update(headers=AUTH)


@schema.parametrize()
def test_apprentiscope_conforms_to_its_spec(case: Any) -> None:
    case.call_and_validate()


class LinkedWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Schemathesis' link-following state machine, each scenario starting from seeded data."""

    def setup(self) -> None:
        APP.reset(0)


def test_stateful_links_hold() -> None:
    LinkedWorkflow.run(
        settings=settings(max_examples=settings().max_examples, stateful_step_count=8, deadline=None)
    )


def test_the_sandbox_raised_nothing_under_schemathesis() -> None:
    assert APP.errors == []
