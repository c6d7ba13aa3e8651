"""Coursepath invites: delivered to the sandbox outbox (never emailed), with the ``mail[...]`` overrides."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.testing import sync_client
from mockserver.vendors.coursepath import LEARNER_EMAIL
from mockserver.vendors.coursepath.factory import CoursepathFactory

from .helpers import auth

PROGRAM = "sandbox-program"
OUTBOX = "/__sandbox__/apis/coursepath/actions/outbox"


def outbox(sandbox: Sandbox) -> list[dict[str, Any]]:
    with sync_client(sandbox) as control:
        answer = control.get(OUTBOX)
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, Any]] = answer.json()["messages"]
    assert answer.json()["total"] == len(messages)
    return messages


def test_a_member_invite_lands_in_the_outbox_with_the_academy_text(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    learner = api.get("/members/me", headers=auth(LEARNER_EMAIL)).json()

    sent = api.post(f"/members/{learner['id']}/invite", headers=auth())

    assert sent.status_code == 200, sent.text
    (message,) = outbox(sandbox)
    assert message == sent.json()
    assert message["to"] == LEARNER_EMAIL
    assert message["subject"] == "You are invited to join the academy"
    assert "Sandbox Learner" in message["body"]
    assert message["action"] == "Join the academy"
    assert message["link"].startswith("https://academy123xxx.coursepath.com/activate?token=")
    assert message["courseId"] is None


def test_a_course_invite_takes_the_json_overrides(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory
) -> None:
    course, member = factory.course("Safety first"), factory.member("grace@example.com")
    factory.enrollment(course["id"], member["id"])

    sent = api.post(
        f"/courses/{course['id']}/members/{member['id']}/invite",
        headers=auth(),
        json={"mail": {"subject": "Welcome aboard", "action": "Start now"}},
    )

    assert sent.status_code == 200, sent.text
    (message,) = outbox(sandbox)
    assert message["to"] == "grace@example.com"
    assert message["subject"] == "Welcome aboard"
    assert message["action"] == "Start now"
    assert "Safety first" in message["body"]
    assert message["courseId"] == course["id"]
    assert message["link"].endswith(f"&next=/courses/{course['id']}")


def test_a_program_invite_takes_the_form_overrides(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory
) -> None:
    member = factory.member("grace@example.com")
    factory.program_member(PROGRAM, member["id"])

    sent = api.post(
        f"/programs/{PROGRAM}/members/{member['id']}/invite",
        headers=auth(),
        data={"mail[subject]": "Your program", "mail[body]": "See you Monday.", "mail[action]": "Go"},
    )

    assert sent.status_code == 200, sent.text
    (message,) = outbox(sandbox)
    assert (message["subject"], message["body"], message["action"]) == (
        "Your program",
        "See you Monday.",
        "Go",
    )
    assert message["programId"] == PROGRAM
    assert message["link"].endswith(f"&next=/programs/{PROGRAM}")


@pytest.mark.parametrize(
    "path",
    [
        "/courses/{course}/members/{member}/invite",
        "/programs/sandbox-program/members/{member}/invite",
        "/courses/nope/members/{member}/invite",
        "/programs/nope/members/{member}/invite",
        "/members/nope/invite",
    ],
)
def test_an_invite_to_what_the_member_is_not_in_is_404_and_sends_nothing(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory, path: str
) -> None:
    course, member = factory.course(), factory.member("grace@example.com")

    refused = api.post(path.format(course=course["id"], member=member["id"]), headers=auth())

    assert refused.status_code == 404, refused.text
    assert refused.json()["status"] == 404
    assert outbox(sandbox) == []


def test_an_override_of_the_wrong_type_is_400_and_sends_nothing(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory
) -> None:
    member = factory.member("grace@example.com")

    refused = api.post(f"/members/{member['id']}/invite", headers=auth(), json={"mail": {"subject": 7}})

    assert refused.status_code == 400, refused.text
    assert outbox(sandbox) == []


def test_a_reset_empties_the_outbox(api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory) -> None:
    member = factory.member("grace@example.com")
    api.post(f"/members/{member['id']}/invite", headers=auth())
    api.post(f"/members/{member['id']}/invite", headers=auth())
    assert len(outbox(sandbox)) == 2

    with sync_client(sandbox) as control:
        assert control.post("/__sandbox__/reset").status_code == 200

    assert outbox(sandbox) == []
