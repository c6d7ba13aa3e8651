"""SkyPrep's tests run against a sandbox serving only SkyPrep (see ``served_alone``)."""

from ..vendor_fixtures import served_alone

app, sandbox, api, factory = served_alone("skyprep", path="/admin/api")
