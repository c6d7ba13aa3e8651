"""Broken sandboxes that let wrong credentials through, one operation each: caught by the auth phase."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from .blocks import (
    Fault,
    any_key,
    login_tokens,
    prefix_added,
    resigned,
    rewrite,
    verifies,
    with_credentials,
)

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


def _absorb_token(
    name: str, accepts: Callable[[tuple[float, bool] | None, float, float], bool], expect: str
) -> Fault:
    """A fault on Absorb's listUsers letting through the login tokens ``accepts`` takes."""
    return Fault(
        name, "absorb", "listUsers", ("auth",), login_tokens("absorb", *ABSORB_USERS, accepts), expect=expect
    )


def _coursepath_token(name: str, resign: Callable[[str, dict[str, Any], float], bool], wrong: str) -> Fault:
    """A fault on Coursepath's listCourses accepting the tokens ``resign`` rewrites (the ``wrong`` kind)."""
    return Fault(
        name,
        "coursepath",
        "listCourses",
        ("auth",),
        resigned("coursepath", *COURSEPATH_COURSES, resign),
        expect=f"{wrong} was accepted",
    )


FAULTS: tuple[Fault, ...] = (
    _absorb_token(
        "any Absorb token accepted", lambda known, lifetime, now: True, "a token never issued was accepted"
    ),
    # Issued and not revoked: the lifetime is what this server forgets.
    _absorb_token(
        "Absorb token accepted after its lifetime",
        lambda known, lifetime, now: known is not None and not known[1],
        "a token past its lifetime",
    ),
    _absorb_token(
        "Absorb token accepted after a new login revoked it",
        lambda known, lifetime, now: known is not None and known[0] + lifetime > now,
        "a token revoked by a new login was accepted",
    ),
    Fault(
        "any Absorb x-api-key accepted",
        "absorb",
        "listUsers",
        ("auth",),
        rewrite(*ABSORB_USERS, request=any_key("absorb", "api_key")),
        expect="a wrong api_key (header x-api-key) was accepted",
    ),
    _coursepath_token("Coursepath signature not checked", _any_signature, "a token signed with a wrong key"),
    _coursepath_token("Coursepath alg none accepted", _alg_none, "an unsigned token (alg none)"),
    _coursepath_token("Coursepath iat window not checked", _iat_now, "(iat too old)"),
    _coursepath_token("Coursepath replayed jti accepted", _fresh_jti, "a replayed jti"),
    Fault(
        "Coursepath raw token accepted (no Bearer)",
        "coursepath",
        "listCourses",
        ("auth",),
        rewrite(*COURSEPATH_COURSES, request=prefix_added("coursepath")),
        expect="a valid token without 'Bearer ' (header Authorization) was accepted",
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
