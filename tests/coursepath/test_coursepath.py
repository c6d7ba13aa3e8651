"""Coursepath as served: each JWT refusal, members and their filters, courses, course members, paging."""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from mockserver import Sandbox
from mockserver.testing import sync_client
from mockserver.vendors.coursepath import (
    ADMIN_EMAIL,
    API_KEY,
    LEARNER_EMAIL,
    MAX_AGE,
    SKEW,
    model,
)
from mockserver.vendors.coursepath.factory import CoursepathFactory

from .helpers import auth


def claims(email: str | None = ADMIN_EMAIL, **override: Any) -> dict[str, Any]:
    made: dict[str, Any] = {"email": email, "iat": int(time.time()), "jti": secrets.token_hex(8)}
    made.update(override)
    return {k: v for k, v in made.items() if v is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(
    email: str | None = ADMIN_EMAIL, *, key: str = API_KEY, algorithm: str = "HS256", **override: Any
) -> str:
    with warnings.catch_warnings():
        # The academy's key is short, as real Coursepath keys are.
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return str(jwt.encode(claims(email, **override), key, algorithm=algorithm))


def unsigned(payload: dict[str, Any]) -> str:
    """A token with ``alg: none`` (PyJWT signs with no key)."""
    return str(jwt.encode(payload, None, algorithm="none"))


# authentication

# Made when the test runs: a token made at collection time could be stale by then.
REFUSALS: dict[str, tuple[Callable[[], dict[str, str]], str]] = {
    "no token": (dict, "no token was sent"),
    # vendor notes 3: only "Bearer <JWT>"; a valid token sent raw is refused as no token at all.
    "raw token without Bearer": (lambda: {"Authorization": signed()}, "no token was sent"),
    "another auth scheme": (lambda: {"Authorization": f"Token {signed()}"}, "no token was sent"),
    "alg none": (lambda: bearer(unsigned(claims())), "algorithm 'none' is not accepted"),
    "another algorithm": (lambda: bearer(signed(algorithm="HS512")), "algorithm 'HS512' is not accepted"),
    "bad signature": (lambda: bearer(signed(key="not-the-academy-key")), "signature does not verify"),
    "missing email": (lambda: bearer(signed(email=None)), "'email' claim is missing"),
    "missing iat": (lambda: bearer(signed(iat=None)), "'iat' claim is missing"),
    "missing jti": (lambda: bearer(signed(jti=None)), "'jti' claim is missing"),
    "stale iat": (lambda: bearer(signed(iat=int(time.time() - MAX_AGE - 60))), "the token is stale"),
    "iat in the future": (lambda: bearer(signed(iat=int(time.time() + SKEW + 60))), "issued in the future"),
    "unknown email": (lambda: bearer(signed("nobody@example.com")), "'nobody@example.com' is not known"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_jwt_failure_is_a_401_whose_body_gives_the_reason(api: httpx.Client, case: str) -> None:
    make, reason = REFUSALS[case]

    response = api.get("/members/me", headers=make())

    assert response.status_code == 401, response.text
    body = response.json()
    assert body["status"] == 401
    assert body["error"] == "Unauthorized"
    assert reason in body["message"]


def test_a_token_is_single_use_and_a_replay_is_refused(api: httpx.Client) -> None:
    token = bearer(signed())

    first = api.get("/courses", headers=token)
    replay = api.get("/courses", headers=token)

    assert first.status_code == 200
    assert replay.status_code == 401
    assert "'jti' replayed" in replay.json()["message"]


def test_an_integer_jti_as_in_coursepaths_php_sample_is_accepted(api: httpx.Client) -> None:
    response = api.get("/courses", headers=bearer(signed(jti=secrets.randbelow(2**31))))
    assert response.status_code == 200, response.text


def test_members_me_is_the_member_the_token_acts_for(api: httpx.Client) -> None:
    admin = api.get("/members/me", headers=auth()).json()
    learner = api.get("/members/me", headers=auth(LEARNER_EMAIL)).json()

    assert admin["email"] == ADMIN_EMAIL
    assert admin["name"] == "Ada Admin"
    assert learner["email"] == LEARNER_EMAIL
    assert learner["name"] == "Sandbox Learner"


# members


def test_a_member_created_with_only_an_email_gets_a_name_from_it_and_reads_back(api: httpx.Client) -> None:
    made = api.post("/members", headers=auth(), json={"email": "john.smith42@example.com"})

    assert made.status_code == 201, made.text
    assert made.json()["name"] == "John Smith"
    again = api.get(f"/members/{made.json()['id']}", headers=auth())
    assert again.status_code == 200
    assert again.json() == made.json()


def test_creating_with_an_email_in_use_answers_that_member_unchanged(api: httpx.Client) -> None:
    learner = api.get("/members/me", headers=auth(LEARNER_EMAIL)).json()

    again = api.post("/members", headers=auth(), json={"email": LEARNER_EMAIL.upper(), "company": "Other"})

    assert again.status_code == 200
    assert again.json() == learner


def test_an_update_changes_only_the_fields_it_names(api: httpx.Client, factory: CoursepathFactory) -> None:
    member = factory.member("grace@example.com", company="Navy", country="US")

    updated = api.post(f"/members/{member['id']}", headers=auth(), json={"department": "Research"})

    assert updated.status_code == 200, updated.text
    expected = {**member, "department": "Research"}
    assert {k: v for k, v in updated.json().items() if k != "updated"} == {
        k: v for k, v in expected.items() if k != "updated"
    }
    read = api.get(f"/members/{member['id']}", headers=auth()).json()
    assert read["department"] == "Research"
    assert read["company"] == "Navy"


def test_an_update_to_an_email_in_use_is_a_conflict(api: httpx.Client, factory: CoursepathFactory) -> None:
    member = factory.member("grace@example.com")

    refused = api.post(f"/members/{member['id']}", headers=auth(), json={"email": LEARNER_EMAIL})

    assert refused.status_code == 409
    assert refused.json()["field"] == "email"


@pytest.mark.parametrize("name", model.FILTERS)
def test_each_list_filter_finds_the_matching_member_and_not_the_others(
    api: httpx.Client, factory: CoursepathFactory, name: str
) -> None:
    fields = {f: f"{f}-wanted" for f in model.FILTERS if f != "email"}
    wanted = factory.member("wanted@example.com", **fields)
    # The decoy shares every field but the one filtered on.
    decoy_fields = {**fields, name: f"{name}-other"} if name != "email" else fields
    decoy = factory.member("decoy@example.com", **{k: v for k, v in decoy_fields.items() if k != "email"})

    value = wanted[name]
    found = api.get("/members", headers=auth(), params={name: value.upper()})

    assert found.status_code == 200, found.text
    ids = [m["id"] for m in found.json()]
    assert ids == [wanted["id"]]
    assert decoy["id"] not in ids


def test_filters_combine_all_must_match(api: httpx.Client, factory: CoursepathFactory) -> None:
    both = factory.member("both@example.com", company="Acme", country="NL")
    factory.member("one@example.com", company="Acme", country="BE")

    found = api.get("/members", headers=auth(), params={"company": "Acme", "country": "NL"}).json()

    assert [m["id"] for m in found] == [both["id"]]


# courses and course members


def test_a_course_is_read_by_id_and_an_unknown_one_is_404(api: httpx.Client) -> None:
    first = api.get("/courses", headers=auth(), params={"limit": 1}).json()[0]

    assert api.get(f"/courses/{first['id']}", headers=auth()).json() == first
    missing = api.get("/courses/nope", headers=auth())
    assert missing.status_code == 404
    assert missing.json()["field"] == "courseId"


def test_enrolling_gives_a_result_and_lists_both_ways(api: httpx.Client, factory: CoursepathFactory) -> None:
    course, member = factory.course("Safety first"), factory.member("grace@example.com")
    path = f"/courses/{course['id']}/members/{member['id']}/coursemember"

    made = api.post(path, headers=auth())
    again = api.post(path, headers=auth())

    assert made.status_code == 201
    assert again.status_code == 200
    assert again.json() == made.json()
    result = api.get(path, headers=auth()).json()
    assert result["courseId"] == course["id"]
    assert result["memberId"] == member["id"]
    assert result["role"] == "learner"
    assert result["completed"] is None
    assert result["score"] is None
    courses = api.get(f"/members/{member['id']}/courses", headers=auth()).json()
    members = api.get(f"/courses/{course['id']}/members", headers=auth()).json()
    assert [c["id"] for c in courses] == [course["id"]]
    assert [m["id"] for m in members] == [member["id"]]


def test_removing_a_learner_deletes_the_results(api: httpx.Client, sandbox: Sandbox) -> None:
    data = sandbox.store.vendor("coursepath")
    completed = next(r for r in data.collection(model.COURSE_MEMBERS).values() if r["completed"])
    path = f"/courses/{completed['courseId']}/members/{completed['memberId']}/coursemember"
    assert api.get(path, headers=auth()).json()["score"] == completed["score"]

    removed = api.delete(path, headers=auth())

    assert removed.status_code == 204
    assert api.get(path, headers=auth()).status_code == 404
    assert api.delete(path, headers=auth()).status_code == 404
    fresh = api.post(path, headers=auth()).json()
    assert fresh["completed"] is None
    assert fresh["score"] is None
    assert fresh["certificate"] is None


# pagination


@pytest.mark.parametrize(
    ("path", "default"),
    [
        ("/courses", 100),
        ("/members", 500),
        ("/members/{member}/courses", 250),
        ("/courses/{course}/members", 250),
        ("/groups", 100),
        ("/members/{member}/groups", 250),
        ("/groups/{group}/members", 250),
    ],
)
def test_each_list_applies_its_default_limit(
    api: httpx.Client, factory: CoursepathFactory, path: str, default: int
) -> None:
    course, member = factory.course(), factory.member("pager@example.com")
    group = factory.group("Pagers")
    for number in range(default + 1):
        if path == "/members/{member}/groups":
            factory.group_member(f"Group {number}", member["id"])
        elif "{group}" in path:
            factory.group_member(group["name"], factory.member(f"m{number}@example.com")["id"])
        elif path == "/groups":
            factory.group(f"Group {number}")
        elif "{member}" in path:
            factory.enrollment(factory.course(f"Course {number}")["id"], member["id"])
        elif "{course}" in path:
            factory.enrollment(course["id"], factory.member(f"m{number}@example.com")["id"])
        elif path == "/courses":
            factory.course(f"Course {number}")
        else:
            factory.member(f"m{number}@example.com")
    url = path.format(member=member["id"], course=course["id"], group=group["id"])

    page = api.get(url, headers=auth())
    rest = api.get(url, headers=auth(), params={"offset": default})

    assert page.status_code == 200, page.text
    assert len(page.json()) == default
    assert len(rest.json()) >= 1
    assert not {r["id"] for r in page.json()} & {r["id"] for r in rest.json()}


def test_offset_and_limit_partition_the_list(api: httpx.Client) -> None:
    everyone = [m["id"] for m in api.get("/members", headers=auth()).json()]

    pages = [
        [m["id"] for m in api.get("/members", headers=auth(), params={"offset": o, "limit": 7}).json()]
        for o in range(0, len(everyone) + 7, 7)
    ]

    assert [i for page in pages for i in page] == everyone


# bad input


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/members", {"json": {}}, 400),
        ("POST", "/members", {"json": {"email": "not-an-email"}}, 400),
        ("POST", "/members", {"json": {"email": "a@example.com", "name": 7}}, 400),
        ("POST", "/members", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400),
        ("GET", "/members", {"params": {"limit": 0}}, 400),
        ("GET", "/members", {"params": {"limit": 1001}}, 400),
        ("GET", "/courses", {"params": {"offset": -1}}, 400),
        ("GET", "/courses", {"params": {"limit": "many"}}, 400),
        ("GET", "/members/nope", {}, 404),
        ("POST", "/members/nope", {"json": {"name": "X"}}, 404),
        ("GET", "/members/nope/courses", {}, 404),
        ("POST", "/courses/nope/members/nope/coursemember", {}, 404),
        ("DELETE", "/courses/nope/members/nope/coursemember", {}, 404),
    ],
)
def test_bad_input_is_a_4xx_in_coursepaths_error_body(
    api: httpx.Client, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    headers = {**auth(), **kwargs.pop("headers", {})}

    response = api.request(method, path, headers=headers, **kwargs)

    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["message"], str)
    assert body["message"]


# seed


def test_the_seed_is_deterministic_and_dated_before_the_anchor(sandbox: Sandbox) -> None:
    first = sandbox.store.export("coursepath")
    sandbox.store.reset()
    assert sandbox.store.export("coursepath") == first
    data = sandbox.store.vendor("coursepath")
    dates = [m["created"] for m in data.collection(model.MEMBERS).values()]
    dates += [r["enrolled"] for r in data.collection(model.COURSE_MEMBERS).values()]
    dates += [r["completed"] for r in data.collection(model.COURSE_MEMBERS).values() if r["completed"]]
    assert dates
    assert all(d < "2025-09-01" for d in dates)
    assert model.member_by_email(data, ADMIN_EMAIL) is not None


def test_a_name_is_derived_from_the_email() -> None:
    assert model.name_from_email("john.smith42@example.com") == "John Smith"
    assert model.name_from_email("ada_lovelace-byron@example.com") == "Ada Lovelace Byron"
    assert model.name_from_email("42@example.com") == "42"


def test_the_control_plane_lists_the_api_key_and_the_admin_email(sandbox: Sandbox) -> None:
    with sync_client(sandbox) as client:
        apis = client.get("/__sandbox__/apis").json()

    (api,) = [a for a in apis if a["name"] == "coursepath"]
    assert api["specs"][0]["base_url"] == "http://sandbox/coursepath/api/v1"
    text = str(api)
    assert API_KEY in text
    assert ADMIN_EMAIL in text
