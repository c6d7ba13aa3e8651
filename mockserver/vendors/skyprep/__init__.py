"""SkyPrep (https://api.skyprep.io/admin/api), served at ``/skyprep``: its descriptor.

A call is ``/skyprep/admin/api/<call>``; every call takes GET (deprecated) and POST. ``api_key`` and
``acct_key`` travel in a JSON or form body, the query string, or the headers ``X-SkyPrep-API-Key`` and
``X-SkyPrep-Acct-Key``. JSON by default, XML with ``format=xml``. 100 calls per minute per client IP.
Import-light: the app is in ``app.py``.
"""

from __future__ import annotations

from ..credentials import Field, KeyScheme, Refusal, form, header, json_field, query
from ..descriptor import RateLimit, SpecMount, Vendor

API = SpecMount("skyprep.yaml", "/admin/api")

# SkyPrep's refusal format is undocumented (vendor notes 4): the choice is recorded in the spec.
MISSING_KEYS = (
    "Missing credentials: send api_key and acct_key (in the POST body, the query string, or the "
    "X-SkyPrep-API-Key and X-SkyPrep-Acct-Key headers)."
)
INVALID_KEYS = "Invalid credentials: api_key and acct_key do not match a SkyPrep account."
RATE_LIMITED = "Rate limit exceeded: 100 API calls per minute per IP. Retry in {retry_after} seconds."


def _field(name: str, header_name: str) -> Field:
    # Clients send a JSON body on POST; on GET, the header the doc recommends.
    return Field(name, (json_field(name), header(header_name), query(name), form(name)))


CREDENTIALS = KeyScheme(
    fields=(_field("api_key", "X-SkyPrep-API-Key"), _field("acct_key", "X-SkyPrep-Acct-Key")),
    defaults=({"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"},),
    missing=Refusal(401, MISSING_KEYS),
    invalid=Refusal(403, INVALID_KEYS),
)

VENDOR = Vendor.of(
    __name__,
    title="SkyPrep",
    specs=(API,),
    credentials=CREDENTIALS,
    rate_limit=RateLimit("100 per 1 minute", per="client", message=RATE_LIMITED),
    formats=("json", "xml"),
    format_parameter="format",
    format_in_body=True,
    twin_suffix="Get",
    # Every GET is a deprecated twin: the example call is the POST that checks the keys.
    example_call="test_connection",
    notes=(
        "every call takes GET (deprecated) and POST; parameters may come in the query, a form or a JSON body",
        "100 calls per minute per client IP (--rate-limit skyprep=...); a reset clears the window",
        "report calls answer CSV or XLSX files (format=csv|xlsx); their JSON in XML by Accept only",
    ),
    # What each collection's records must be, as served (checked on import, restore and seeding);
    # the other collections are served with fields computed from several of them.
    record_schemas={
        "users": "#/components/schemas/User",
        "user_roles": "#/components/schemas/UserRole",
        "datasets": "#/components/schemas/Dataset",
    },
    # Ids are the collections' keys, kept as text; the API serves them as numbers.
    stored_as_digits=("id",),
)
