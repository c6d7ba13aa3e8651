"""Coursepath's tests run against a sandbox serving only Coursepath (see ``served_alone``)."""

from ..vendor_fixtures import served_alone

app, sandbox, api, factory = served_alone("coursepath", path="/api/v1")
