"""Normal calls of every API leave the logs quiet: no library warning or error, in JSON or in XML."""

from __future__ import annotations

import logging

import pytest

from mockserver.plugin import SandboxHandle
from mockserver.vendors import REGISTRY

from .vendor_fixtures import plain_gets

# Enough calls per API to cover its kinds of operation without making the test slow.
CALLS_PER_API = 12


@pytest.mark.parametrize("api", list(REGISTRY))
def test_normal_calls_of_each_api_log_no_warning(
    api: str, sandbox_handle: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    vendor = REGISTRY[api]
    index = sandbox_handle.app.contexts[api].index
    calls = plain_gets(index)[:CALLS_PER_API]
    formats = [{}, *([{vendor.format_parameter: "xml"}] if "xml" in vendor.formats else [])]
    statuses = []
    with caplog.at_level(logging.WARNING), sandbox_handle.client(api) as client:
        for op in calls:
            for params in formats:
                statuses.append(client.get(op.path, params=params).status_code)
    assert calls
    assert statuses.count(200) >= len(calls), statuses
    assert [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING] == []
