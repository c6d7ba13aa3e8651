"""Absorb Integration API v2 (https://rest.myabsorb.com), served at ``/absorb``: its descriptor.

``POST /authenticate`` answers a token (a bare JSON string) for a username, password and the private
key; every call, the login included, sends the private key as ``x-api-key``, and every other call the
token in ``Authorization`` (raw or ``Bearer``). A token lasts 4 hours on the sandbox clock and a new
one revokes the user's previous one. ``x-api-version: 2`` (absent means 2). Import-light: the app is
in ``app.py``.
"""

from __future__ import annotations

from ..credentials import Field, LoginScheme, Refusal, header
from ..descriptor import SpecMount, Vendor

API = SpecMount("absorb.yaml")

# The scenario's private key (a GUID, as Absorb issues them) and its two documented accounts; the
# default scenario (fixtures/absorb/default.yaml) makes the same users.
PRIVATE_KEY = "7c1f3a52-9e4b-4d6a-b8e1-2f5c0d9a6b34"
ADMIN = {"api_key": PRIVATE_KEY, "username": "sandbox.admin", "password": "Absorb-Admin-2"}
LEARNER = {"api_key": PRIVATE_KEY, "username": "sandbox.learner", "password": "Absorb-Learner-2"}

DENIED = "Authorization has been denied for this request."
# vendor notes 1.2: a missing key is 401, a wrong one the gateway's bare {"message": "Forbidden"}.
MISSING_KEY = "Authorization has been denied for this request: send the private key as x-api-key."

CREDENTIALS = LoginScheme(
    fields=(Field("api_key", (header("x-api-key"),)),),
    login_fields=("username", "password"),
    defaults=(ADMIN, LEARNER),
    missing=Refusal(401, MISSING_KEY),
    invalid=Refusal(403, "Forbidden", body={"message": "Forbidden"}),
    login_path="/authenticate",
    login_body={"username": "username", "password": "password", "privateKey": "api_key"},
    token=header("Authorization", "Bearer"),
    token_missing=Refusal(401, DENIED),
    token_invalid=Refusal(401, DENIED),
    lifetime=4 * 3600.0,
    revoke_previous=True,
)

VENDOR = Vendor.of(
    __name__,
    title="Absorb Integration API v2",
    specs=(API,),
    credentials=CREDENTIALS,
    # Paths, query names and JSON property names in any case (ASP.NET's), spelled as the spec before the edge.
    front=".case:ignore_case",
    ignore_case=True,
    client_headers={"x-api-version": "2"},
    notes=(
        "POST /authenticate {username, password, privateKey} with x-api-key: a token for 4 hours (a new one"
        " revokes it)",
        "send x-api-key: <private key> on every call, and Authorization: <token> (raw or Bearer) after login",
        f"learner account: {LEARNER['username']} / {LEARNER['password']} (refused on admin operations)",
    ),
    # What each collection's records must be, as served (checked on import, restore and seeding).
    record_schemas={
        "users": "#/components/schemas/User",
        "enrollments": "#/components/schemas/Enrollment",
        "lessonEnrollments": "#/components/schemas/LessonEnrollment",
        "departments": "#/components/schemas/Department",
        "courses": "#/components/schemas/Course",
    },
)
