"""ApprentiScope (https://api.apprentiscope.com), served at ``/apprentiscope``: its descriptor.

Import-light: the app (``app.py``), the seeder, the factory and the workflow model are named by
reference and imported when first needed.
"""

from __future__ import annotations

from ..credentials import Field, KeyScheme, Refusal, header
from ..descriptor import SpecMount, Vendor
from .auth import INVALID_TOKEN, MISSING_TOKEN

SPECS = (SpecMount("apprentiscope.yaml"),)

# The doc sends the token bare ("Authorization: YOUR_AUTH_TOKEN"); clients also send "Bearer <token>".
CREDENTIALS = KeyScheme(
    fields=(Field("token", (header("Authorization", "Bearer"),)),),
    defaults=({"token": "sandbox-apprentiscope-token"},),
    missing=Refusal(401, MISSING_TOKEN),
    invalid=Refusal(401, INVALID_TOKEN),
)

VENDOR = Vendor.of(
    __name__,
    title="ApprentiScope",
    specs=SPECS,
    credentials=CREDENTIALS,
    # The models spell the name as the vendor does.
    workflow="contracts.workflows.apprentiscope:ApprentiScopeWorkflow",
    stress="contracts.workflows.apprentiscope_stress:ApprentiScopeStress",
    # What each collection's records must be, as served (checked on import, restore and seeding).
    record_schemas={
        "users": "#/components/schemas/User",
        "partners": "#/components/schemas/Partner",
        "occupations": "#/components/schemas/Occupation",
        "submissions": "#/components/schemas/Submission",
        "grades": "#/components/schemas/GradeSummary",
    },
)
