"""Absorb's tests run against a sandbox serving only Absorb (see ``served_alone``)."""

from __future__ import annotations

import httpx
import pytest

from ..vendor_fixtures import served_alone
from .helpers import headers, login

app, sandbox, api, factory = served_alone("absorb")


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    """Headers of a fresh admin login."""
    return headers(login(api))
