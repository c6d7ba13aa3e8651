"""Coursepath webhooks over a real socket: each event, once, in the background, journalled."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.cli import build_parser, options_from_args
from mockserver.plugin import WebhookReceiver
from mockserver.testing import sync_client
from mockserver.vendors.coursepath import COMPLETED, CREATED, DELETED
from mockserver.vendors.coursepath.factory import CoursepathFactory

from .helpers import auth

COMPLETE = "/__sandbox__/apis/coursepath/actions/complete"


@pytest.fixture
def control(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(sandbox) as client:
        yield client


@pytest.fixture
def receiver(control: httpx.Client) -> Iterator[WebhookReceiver]:
    """A receiver registered through the control plane, unregistered after the test."""
    with WebhookReceiver() as made:
        registered = control.post("/__sandbox__/webhooks/coursepath", json={"url": made.url})
        assert registered.status_code == 200, registered.text
        assert made.url in registered.json()["urls"]
        yield made
        assert control.delete("/__sandbox__/webhooks/coursepath", params={"url": made.url}).status_code == 204


def deliveries(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The journal's webhook entries, once every delivery so far has its outcome."""
    assert sandbox.webhooks.join(timeout=10)
    return [e.to_json() for e in sandbox.journal.entries(api="coursepath", kind="webhook")]


def enrolled(factory: CoursepathFactory) -> tuple[str, str, str]:
    course, member = factory.course("Safety first"), factory.member("grace@example.com")
    return course["id"], member["id"], f"/courses/{course['id']}/members/{member['id']}/coursemember"


def test_enrolling_posts_coursemember_created_as_a_form(
    api: httpx.Client, factory: CoursepathFactory, receiver: WebhookReceiver
) -> None:
    course, member, path = enrolled(factory)

    assert api.post(path, headers=auth()).status_code == 201

    delivery = receiver.wait_for(event=CREATED, timeout=5)
    assert delivery.form == {"courseId": course, "memberId": member, "event": CREATED}
    assert delivery.content_type == "application/x-www-form-urlencoded"


def test_completing_from_the_control_plane_posts_coursemember_completed(
    api: httpx.Client, control: httpx.Client, factory: CoursepathFactory, receiver: WebhookReceiver
) -> None:
    course, member, path = enrolled(factory)
    factory.enrollment(course, member)

    done = control.post(
        COMPLETE, json={"courseId": course, "memberId": member, "score": 88.5, "success": True}
    )

    assert done.status_code == 200, done.text
    delivery = receiver.wait_for(event=COMPLETED, timeout=5)
    assert delivery.form == {"courseId": course, "memberId": member, "event": COMPLETED}
    result = api.get(path, headers=auth()).json()
    assert result["score"] == 88.5
    assert result["success"] is True
    assert result["completed"] is not None
    assert result["certificate"]


def test_removing_posts_coursemember_deleted(
    api: httpx.Client, factory: CoursepathFactory, receiver: WebhookReceiver
) -> None:
    course, member, path = enrolled(factory)
    factory.enrollment(course, member)

    assert api.delete(path, headers=auth()).status_code == 204

    delivery = receiver.wait_for(event=DELETED, timeout=5)
    assert delivery.form == {"courseId": course, "memberId": member, "event": DELETED}


def test_create_and_add_to_a_course_fires_created_too(
    api: httpx.Client, factory: CoursepathFactory, receiver: WebhookReceiver
) -> None:
    course = factory.course("Safety first")

    made = api.post(f"/courses/{course['id']}/members", headers=auth(), json={"email": "new.one@example.com"})

    assert made.status_code == 201
    receiver.wait_for(event=CREATED, courseId=course["id"], memberId=made.json()["id"], timeout=5)


def test_each_state_change_is_sent_once_and_nothing_else(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory, receiver: WebhookReceiver
) -> None:
    _course, _member, path = enrolled(factory)

    assert api.post(path, headers=auth()).status_code == 201
    assert api.post(path, headers=auth()).status_code == 200  # already in: no state change
    assert api.get(path, headers=auth()).status_code == 200
    assert api.delete(path, headers=auth()).status_code == 204

    assert [d["operation_id"] for d in deliveries(sandbox)] == [CREATED, DELETED]
    assert receiver.events() == [CREATED, DELETED]


def test_a_delivery_never_holds_up_the_call_and_is_journalled_with_its_outcome(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory, receiver: WebhookReceiver
) -> None:
    course, member, path = enrolled(factory)
    receiver.gate.clear()  # the receiver takes the delivery and does not answer yet

    answered = api.post(path, headers=auth())

    assert answered.status_code == 201
    receiver.wait_for(event=CREATED, timeout=5)
    assert sandbox.journal.entries(kind="webhook") == []  # the call came back before the delivery did
    receiver.gate.set()
    (entry,) = deliveries(sandbox)
    assert entry["status"] == 200
    assert entry["path"] == receiver.url
    assert entry["method"] == "POST"
    assert entry["request_body"] == f"courseId={course}&memberId={member}&event={CREATED}"
    assert entry["error"] is None


def test_a_failing_receiver_gets_no_retry_and_the_failure_is_journalled(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory, receiver: WebhookReceiver
) -> None:
    receiver.status = 500
    _course, _member, path = enrolled(factory)

    assert api.post(path, headers=auth()).status_code == 201

    (entry,) = deliveries(sandbox)
    assert entry["status"] == 500
    assert len(receiver.deliveries) == 1


def test_an_unreachable_url_is_journalled_with_the_error_and_the_call_succeeds(
    api: httpx.Client, control: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory
) -> None:
    # Bound but not listening: the port stays ours and refuses connections.
    with socket.socket() as deaf:
        deaf.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{deaf.getsockname()[1]}/hook"
        control.post("/__sandbox__/webhooks/coursepath", json={"url": url})
        try:
            _course, _member, path = enrolled(factory)
            assert api.post(path, headers=auth()).status_code == 201
            (entry,) = deliveries(sandbox)
        finally:
            control.delete("/__sandbox__/webhooks/coursepath")

    assert entry["status"] == 0
    assert "ConnectError" in entry["error"]
    assert entry["kind"] == "webhook"
    journal = control.get("/__sandbox__/journal", params={"kind": "webhook"}).json()
    assert [e["operation_id"] for e in journal["entries"]] == [CREATED]


def test_a_reset_keeps_the_registration_and_seeding_sends_nothing(
    api: httpx.Client,
    control: httpx.Client,
    sandbox: Sandbox,
    factory: CoursepathFactory,
    receiver: WebhookReceiver,
) -> None:
    assert control.post("/__sandbox__/reset", json={"seed": 3}).status_code == 200
    assert deliveries(sandbox) == []

    _course, _member, path = enrolled(factory)
    assert api.post(path, headers=auth()).status_code == 201

    receiver.wait_for(event=CREATED, timeout=5)
    assert receiver.url in control.get("/__sandbox__/webhooks").json()["coursepath"]["urls"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"memberId": "m", "score": 80, "success": True}, 400, "courseId"),
        ({"courseId": "c", "memberId": "m", "success": True}, 400, "score"),
        ({"courseId": "c", "memberId": "m", "score": 101, "success": True}, 400, "score"),
        ({"courseId": "c", "memberId": "m", "score": 80, "success": "yes"}, 400, "success"),
        ({"courseId": "nope", "memberId": "m", "score": 80, "success": True}, 404, None),
    ],
)
def test_completing_needs_a_course_member_a_score_and_success(
    control: httpx.Client, sandbox: Sandbox, body: dict[str, Any], status: int, field: str | None
) -> None:
    refused = control.post(COMPLETE, json=body)

    assert refused.status_code == status, refused.text
    if field:
        assert field in refused.json()["detail"]


def test_completing_a_member_not_in_the_course_is_404(
    control: httpx.Client, factory: CoursepathFactory
) -> None:
    course, member = factory.course(), factory.member("grace@example.com")

    refused = control.post(
        COMPLETE, json={"courseId": course["id"], "memberId": member["id"], "score": 80, "success": True}
    )

    assert refused.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/__sandbox__/webhooks/coursepath", {"json": {"url": "not a url"}}, 400),
        ("POST", "/__sandbox__/webhooks/coursepath", {"json": {"url": "ftp://127.0.0.1/x"}}, 400),
        ("POST", "/__sandbox__/webhooks/nope", {"json": {"url": "http://127.0.0.1:9/x"}}, 404),
        ("GET", "/__sandbox__/webhooks/nope", {}, 404),
        ("DELETE", "/__sandbox__/webhooks/coursepath", {"params": {"url": "http://127.0.0.1:9/x"}}, 404),
    ],
)
def test_the_control_plane_refuses_bad_registrations(
    control: httpx.Client, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = control.request(method, path, **kwargs)

    assert response.status_code == status, response.text
    assert control.get("/__sandbox__/webhooks/coursepath").json() == {
        "events": [CREATED, COMPLETED, DELETED],
        "urls": [],
    }


def test_serve_webhook_option_registers_the_url_from_the_start() -> None:
    parser = build_parser()
    args = parser.parse_args(
        ["serve", "--api", "coursepath", "--webhook", "coursepath=http://127.0.0.1:9/hook"]
    )

    options = options_from_args(args)
    served = create_app(options)

    assert options.webhooks == {"coursepath": ("http://127.0.0.1:9/hook",)}
    assert served.webhooks.urls("coursepath") == ["http://127.0.0.1:9/hook"]
    with sync_client(served) as client:
        (info,) = client.get("/__sandbox__/apis").json()
    assert info["webhook_events"] == [CREATED, COMPLETED, DELETED]
    for bad in ("absorb=http://127.0.0.1:9/hook", "coursepath=nowhere", "coursepath"):
        with pytest.raises(SystemExit):
            parser.parse_args(["serve", "--webhook", bad])
