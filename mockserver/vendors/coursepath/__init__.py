"""Coursepath (``https://<academy>.coursepath.com/api/v1``), served at ``/coursepath/api/v1``: its descriptor.

Every call carries ``Authorization: Bearer <JWT>``, signed HS256 with the academy's API key, whose
``email`` claim names the member the call acts for (``/members/me``), with an ``iat`` window on the
sandbox clock and a single-use ``jti`` (an integer or a string). Import-light: the app is in ``app.py``.
"""

from __future__ import annotations

from ..credentials import Refusal, SignedScheme, header
from ..descriptor import Command, ControlAction, SpecMount, Vendor

API = SpecMount("coursepath.yaml", "/api/v1")

# The academy's API key and the admin member a token may act for; the default scenario
# (fixtures/coursepath/default.yaml) makes that member.
API_KEY = "sandbox-coursepath-key"
ADMIN_EMAIL = "sandbox.admin@example.com"
LEARNER_EMAIL = "sandbox.learner@example.com"

# Coursepath rejects tokens older than "a couple of minutes" (vendor notes 3): 120 s, 30 s of skew.
MAX_AGE = 120.0
SKEW = 30.0

# The webhook events (vendor notes 3), each POSTed as a form of courseId, memberId and event.
CREATED = "COURSEMEMBER_CREATED"
COMPLETED = "COURSEMEMBER_COMPLETED"
DELETED = "COURSEMEMBER_DELETED"

CREDENTIALS = SignedScheme(
    fields=(),
    defaults=({"key": API_KEY, "email": ADMIN_EMAIL},),
    missing=Refusal(401, "Unauthorized: {reason}."),
    invalid=Refusal(401, "Unauthorized: {reason}."),
    key_field="key",
    subject_field="email",
    subject_claim="email",
    unique_claim="jti",
    # Only "Bearer <JWT>" (vendor notes 3): a raw token is refused as no token at all.
    token=header("Authorization", "Bearer", prefixed=True),
    max_age=MAX_AGE,
    skew=SKEW,
)

VENDOR = Vendor.of(
    __name__,
    title="Coursepath API v1",
    specs=(API,),
    credentials=CREDENTIALS,
    known_subject=".model:is_member",
    actions=(
        ControlAction(
            "outbox",
            "the invites sent since the last reset: recipient, subject, body, activation link",
            f"{__name__}.actions:outbox",
            method="GET",
        ),
        ControlAction(
            "complete",
            "complete a course member: {courseId, memberId, score, success} (fires COURSEMEMBER_COMPLETED)",
            f"{__name__}.actions:complete",
        ),
    ),
    webhook_events=(CREATED, COMPLETED, DELETED),
    commands=(
        Command(
            "token",
            "print a fresh Coursepath JWT (HS256, email/iat/jti) for curl",
            f"{__name__}.commands:configure_token",
            f"{__name__}.commands:run_token",
        ),
    ),
    notes=(
        "Authorization: Bearer <JWT>, a new one per call: HS256 with the API key; claims email, iat, jti",
        "mint one with: lms-sandbox token coursepath --email EMAIL",
        "webhooks: serve --webhook coursepath=URL, or POST /__sandbox__/webhooks/coursepath {url}",
    ),
    # What each collection's records must be, as served (checked on import, restore and seeding).
    record_schemas={
        "members": "#/components/schemas/Member",
        "coursemembers": "#/components/schemas/CourseMember",
        "programmembers": "#/components/schemas/ProgramMember",
        "groups": "#/components/schemas/Group",
        "courses": "#/components/schemas/Course",
    },
)
