"""A plain Absorb client (tests/absorb/absorb_client.py) against ``lms-sandbox serve --api absorb --root``
over a real socket (port 0): only its base URL differs from a real integration's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver import Sandbox, create_app
from mockserver.cli import build_parser, options_from_args
from mockserver.server import LiveServer
from mockserver.vendors.absorb import ADMIN, LEARNER, PRIVATE_KEY

from .absorb_client import AbsorbClient, AbsorbError
from .helpers import NAMED_COURSES


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    """The sandbox as ``lms-sandbox serve --api absorb --root`` builds it, on 127.0.0.1 and a free port."""
    options = options_from_args(build_parser().parse_args(["serve", "--api", "absorb", "--root"]))
    sandbox = create_app(options)
    with LiveServer(sandbox) as server:
        yield sandbox, server.url


@pytest.fixture
def absorb(served: tuple[Sandbox, str]) -> Iterator[AbsorbClient]:
    sandbox, base_url = served
    sandbox.reset(0)
    # Pages of 7: the scenario's users take several.
    with AbsorbClient(
        base_url, username=ADMIN["username"], password=ADMIN["password"], private_key=PRIVATE_KEY, page_size=7
    ) as client:
        yield client


def test_pages_through_users_with_a_filter_and_nothing_else_matches(absorb: AbsorbClient) -> None:
    everyone = list(absorb.users(sort="username"))
    assert len(everyone) > 3 * absorb.page_size  # several pages: the paging is exercised
    assert len({u["id"] for u in everyone}) == len(everyone)
    initial = everyone[0]["lastName"][0]
    active = list(absorb.users(filter=f"isActive eq true and startsWith(lastName, '{initial}')"))
    wanted = {
        u["id"] for u in everyone if u["isActive"] and u["lastName"].lower().startswith(initial.lower())
    }
    assert wanted  # some users match,
    assert len(wanted) < len(everyone)  # and some must not
    assert {u["id"] for u in active} == wanted


def test_a_custom_field_is_set_for_a_batch_of_users_through_upload(absorb: AbsorbClient) -> None:
    everyone = list(absorb.users(sort="username"))
    batch = [u for u in everyone if u["username"] != LEARNER["username"]]
    done = absorb.upload_users(
        [{"username": u["username"], "customFields": {"string5": "Wave 3"}} for u in batch]
    )
    assert done == {u["username"]: u["id"] for u in batch}
    tagged = {u["id"] for u in absorb.users(filter="customFields/string5 eq 'Wave 3'")}
    assert tagged == {u["id"] for u in batch}
    kept = absorb.user(batch[0]["id"])
    assert (kept["firstName"], kept["customFields"]["string5"]) == (batch[0]["firstName"], "Wave 3")


def test_reads_enrollments_lessons_and_attempts(absorb: AbsorbClient) -> None:
    (learner,) = absorb.users(filter=f"username eq '{LEARNER['username']}'")
    enrollments = list(absorb.enrollments(learner["id"], filter="isActive eq true"))
    # The two generated courses the learner is in, and the scenario's two named ones.
    assert len(enrollments) == 4
    generated = [e for e in enrollments if e["courseId"] not in NAMED_COURSES]
    online = next(e for e in generated if absorb.lessons(learner["id"], e["courseId"]))
    lessons = absorb.lessons(learner["id"], online["courseId"])
    assert {lesson["courseEnrollmentId"] for lesson in lessons} == {online["id"]}
    first = lessons[0]["lessonId"]
    assert absorb.attempts(learner["id"], online["courseId"], first) == []
    attempt = absorb.start_attempt(learner["id"], online["courseId"], first)
    (read,) = absorb.attempts(learner["id"], online["courseId"], first)
    assert (read["id"], read["status"]) == (attempt, 1)


def test_an_expired_token_is_renewed_and_a_wrong_key_is_refused(
    absorb: AbsorbClient, served: tuple[Sandbox, str]
) -> None:
    sandbox, base_url = served
    first = absorb.authenticate()
    sandbox.clock.advance(hours=5)
    assert len(list(absorb.users(filter="isActive eq true"))) > 0
    assert absorb._token != first
    with (
        AbsorbClient(
            base_url, username=ADMIN["username"], password=ADMIN["password"], private_key="nope"
        ) as wrong,
        pytest.raises(AbsorbError) as refused,
    ):
        wrong.authenticate()
    assert refused.value.status == 403
