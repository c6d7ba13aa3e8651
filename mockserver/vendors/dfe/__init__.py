"""UK Apprenticeship Service (DfE), served at ``/apprenticeships`` behind an Azure-APIM-style gateway.

The prefix stands for the host ``https://api.apprenticeships.education.gov.uk``: the Display Advert
API answers under ``/apprenticeships/vacancies/...``, Track Apprenticeship Progress under
``/apprenticeships/apprenticeships/{uln}/{plannedStartDate}/progress``.

The gateway is the shared credential edge configured as APIM (vendor notes 2.5): the subscription
key (401 missing / invalid), then the rate limit per key (429 with ``Retry-After``), then
``X-Version`` (404 missing / unknown), in APIM's texts and body. Import-light: the app is in ``app.py``.
"""

from __future__ import annotations

from ..credentials import Field, KeyScheme, Refusal, header
from ..descriptor import RateLimit, RequiredHeader, SpecMount, Vendor

NAME = "dfe"
ADVERT = SpecMount("dfe-display-advert.yaml", "/vacancies")
TRACK_PROGRESS = SpecMount("dfe-track-progress.yaml", "", errors=f"{__name__}.problems:render_progress_error")
SPECS = (ADVERT, TRACK_PROGRESS)

KEY_HEADER = "Ocp-Apim-Subscription-Key"
VERSION_HEADER = "X-Version"
DEFAULT_RATE_LIMIT = "150 per 5 minutes"
# Azure API Management's default texts (vendor notes 2.5).
MISSING_KEY = (
    "Access denied due to missing subscription key. "
    "Make sure to include subscription key when making requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key. "
    "Make sure to provide a valid key for an active subscription."
)
MISSING_VERSION = "Resource not found: the X-Version header is missing. Send X-Version: {expected}."
UNKNOWN_VERSION = (
    "Resource not found: version '{value}' of this API does not exist. Send X-Version: {expected}."
)
RATE_LIMITED = "Rate limit is exceeded. Try again in {retry_after} seconds."

CREDENTIALS = KeyScheme(
    fields=(Field("key", (header(KEY_HEADER),)),),
    defaults=({"key": "sandbox-subscription-key"},),
    missing=Refusal(401, MISSING_KEY),
    invalid=Refusal(401, INVALID_KEY),
)

VENDOR = Vendor.of(
    __name__,
    title="UK Apprenticeship Service (DfE)",
    specs=SPECS,
    credentials=CREDENTIALS,
    prefix="/apprenticeships",
    seed=".app:seed",
    # The APIs' bodies (ProblemDetails, Track Progress's), and the gateway's (APIM's) for the edge.
    errors=".problems:render_error",
    edge_errors=".problems:apim_error",
    # Display Advert's current version; Track Progress serves only 1 (override per request).
    client_headers={VERSION_HEADER: "2"},
    # Each document's own X-Version enum lists the versions it serves.
    required_headers=(RequiredHeader(VERSION_HEADER, 404, MISSING_VERSION, UNKNOWN_VERSION),),
    gateway=True,
    rate_limit=RateLimit(DEFAULT_RATE_LIMIT, per="credential", message=RATE_LIMITED),
    notes=(
        "clients send X-Version: 2 (Display Advert); Track Progress serves only 1: override it per request",
        "150 requests per key in 5 minutes, as served (--rate-limit dfe=...); a reset clears the window",
    ),
    # No record_schemas: stored vacancies are read leniently (a hand-written v1 record is served as v2,
    # .NET defaults filling what it lacks), so any object can be served; the other collections are
    # never served as they are stored.
)
