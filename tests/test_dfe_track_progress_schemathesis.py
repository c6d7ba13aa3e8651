"""Schemathesis, through its pytest integration, against the in-process Track Progress API.

A valid subscription key and version go with every request, and the rate limit is raised so that
the gateway's 429 does not cut the run short; positive and negative data, all default checks.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from mockserver import create_app

APP = create_app(apis=("dfe",), validate_responses=True, rate_limits={"dfe": "1000000/minute"})
schema = schemathesis.openapi.from_asgi("/apprenticeships/openapi.json", APP)
schema.config.update(headers={"Ocp-Apim-Subscription-Key": "sandbox-subscription-key", "X-Version": "1"})


@schema.parametrize()
def test_track_progress_conforms_to_its_spec(case: Any) -> None:
    case.call_and_validate()


def test_the_sandbox_raised_nothing_under_schemathesis() -> None:
    assert APP.errors == []
