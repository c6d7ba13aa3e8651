"""The ``coursepath_sandbox`` fixture, used as a downstream project would, and ``lms-sandbox token``."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from typing import Any

import jwt
import pytest

from mockserver.vendors.coursepath import ADMIN_EMAIL, API_KEY, LEARNER_EMAIL


def test_the_plugins_client_signs_a_fresh_token_for_every_call(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_members="""
        def test_me_and_a_new_member_without_any_credential_in_the_test(coursepath_sandbox):
            client = coursepath_sandbox.client
            me = client.get("/api/v1/members/me")
            # A second call with the same client: a replayed token would be refused.
            again = client.get("/api/v1/members/me")

            assert me.status_code == again.status_code == 200, again.text
            assert me.json()["email"] == "sandbox.admin@example.com"
            made = coursepath_sandbox.factory.member("grace@example.com", company="Navy")
            found = client.get("/api/v1/members", params={"company": "navy"})
            assert [m["id"] for m in found.json()] == [made["id"]]
            coursepath_sandbox.assert_called("listMembers")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1)


def test_the_webhook_receiver_fixture_waits_for_an_event_in_one_line(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_hooks="""
        def test_enrolling_sends_coursemember_created(coursepath_sandbox, webhook_receiver):
            factory = coursepath_sandbox.factory
            course, member = factory.course("Safety"), factory.member("grace@example.com")
            path = f"/api/v1/courses/{course['id']}/members/{member['id']}/coursemember"

            assert coursepath_sandbox.client.post(path).status_code == 201

            delivery = webhook_receiver.wait_for(event="COURSEMEMBER_CREATED", timeout=5)
            assert delivery.form == {
                "courseId": course["id"], "memberId": member["id"], "event": "COURSEMEMBER_CREATED"
            }
            coursepath_sandbox.assert_called_once("enrollCourseMember")

        def test_the_next_test_starts_with_no_receiver_registered(sandbox):
            assert sandbox.app.webhooks.urls("coursepath") == []
        """
    )
    # In a subprocess: the receiver's live server and the app's webhook thread import httpx/httpcore and
    # uvicorn inside the inner run, and pytester's in-process run would drop those modules afterwards,
    # leaving later tests with exceptions of a class httpx no longer maps.
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2)


def _decode(token: str) -> dict[str, Any]:
    with warnings.catch_warnings():
        # The academy's key is short, as real Coursepath keys are.
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return dict(jwt.decode(token, API_KEY, algorithms=["HS256"]))


def test_the_token_command_prints_a_fresh_token_for_the_email_given() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver.cli", "token", "coursepath", "--email", LEARNER_EMAIL],
        capture_output=True,
        text=True,
        check=True,
    )
    token = done.stdout.strip()

    claims = _decode(token)
    assert claims["email"] == LEARNER_EMAIL
    assert abs(claims["iat"] - time.time()) < 60
    assert claims["jti"]
    default = subprocess.run(
        [sys.executable, "-m", "mockserver.cli", "token", "coursepath"],
        capture_output=True,
        text=True,
        check=True,
    )
    second = _decode(default.stdout.strip())
    assert second["email"] == ADMIN_EMAIL
    assert second["jti"] != claims["jti"]
