"""Broken sandboxes that let wrong credentials through, one operation each: caught by the auth phase."""

from __future__ import annotations

import secrets
from typing import Any

from .blocks import Fault, any_key, login_tokens, resigned, rewrite, verifies, with_credentials

ABSORB_USERS = ("GET", "^/absorb/users/?$")
COURSEPATH_COURSES = ("GET", "^/coursepath/api/v1/courses/?$")


def _fresh_jti(token: str, claims: dict[str, Any], now: float) -> bool:
    if "jti" not in claims or not verifies("coursepath")(token):
        return False
    claims["jti"] = secrets.token_hex(8)
    return True


def _iat_now(token: str, claims: dict[str, Any], now: float) -> bool:
    if "iat" not in claims or not verifies("coursepath")(token):
        return False
    claims["iat"] = int(now)
    return True


def _any_signature(token: str, claims: dict[str, Any], now: float) -> bool:
    return True


def _alg_none(token: str, claims: dict[str, Any], now: float) -> bool:
    return token.endswith(".")


FAULTS: tuple[Fault, ...] = (
    Fault(
        "any Absorb token accepted",
        "absorb",
        "listUsers",
        ("auth",),
        login_tokens("absorb", *ABSORB_USERS, lambda known, lifetime, now: True),
        expect="a token never issued was accepted",
    ),
    Fault(
        "Absorb token accepted after its lifetime",
        "absorb",
        "listUsers",
        ("auth",),
        # Issued and not revoked: the lifetime is what this server forgets.
        login_tokens(
            "absorb", *ABSORB_USERS, lambda known, lifetime, now: known is not None and not known[1]
        ),
        expect="a token past its lifetime",
    ),
    Fault(
        "Absorb token accepted after a new login revoked it",
        "absorb",
        "listUsers",
        ("auth",),
        login_tokens(
            "absorb",
            *ABSORB_USERS,
            lambda known, lifetime, now: known is not None and known[0] + lifetime > now,
        ),
        expect="a token revoked by a new login was accepted",
    ),
    Fault(
        "any Absorb x-api-key accepted",
        "absorb",
        "listUsers",
        ("auth",),
        rewrite(*ABSORB_USERS, request=any_key("absorb", "api_key")),
        expect="a wrong api_key (header x-api-key) was accepted",
    ),
    Fault(
        "Coursepath signature not checked",
        "coursepath",
        "listCourses",
        ("auth",),
        resigned("coursepath", *COURSEPATH_COURSES, _any_signature),
        expect="a token signed with a wrong key was accepted",
    ),
    Fault(
        "Coursepath alg none accepted",
        "coursepath",
        "listCourses",
        ("auth",),
        resigned("coursepath", *COURSEPATH_COURSES, _alg_none),
        expect="an unsigned token (alg none) was accepted",
    ),
    Fault(
        "Coursepath iat window not checked",
        "coursepath",
        "listCourses",
        ("auth",),
        resigned("coursepath", *COURSEPATH_COURSES, _iat_now),
        expect="(iat too old) was accepted",
    ),
    Fault(
        "Coursepath replayed jti accepted",
        "coursepath",
        "listCourses",
        ("auth",),
        resigned("coursepath", *COURSEPATH_COURSES, _fresh_jti),
        expect="a replayed jti was accepted",
    ),
    Fault(
        "SkyPrep body api_key ignored (any key accepted)",
        "skyprep",
        "create_course",
        ("auth",),
        rewrite("POST", "^/skyprep/admin/api/create_course/?$", request=any_key("skyprep", "api_key")),
        expect="a wrong api_key (form api_key) was accepted",
    ),
    Fault(
        "DfE subscription key ignored",
        "dfe",
        "getVacancies",
        ("auth",),
        rewrite(
            "GET",
            "^/apprenticeships/vacancies/vacancy/?$",
            request=with_credentials({"Ocp-Apim-Subscription-Key": "sandbox-subscription-key"}),
        ),
        expect="a request without any credential was accepted",
    ),
)
