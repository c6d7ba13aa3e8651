"""Keeping a contract run within the target's rate limit (``--rate-limit``), and what happens without it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from contracts import RunOptions, url_target, verify
from contracts.throttle import MAX_WAIT, Throttle, check_rate, retry_after
from mockserver import Sandbox, create_app
from mockserver.cli import main
from mockserver.server import LiveServer

from .contract_budget import few

KEY = {"Ocp-Apim-Subscription-Key": "sandbox-subscription-key"}


@pytest.mark.parametrize("rate", ["30/m", "8/s", "1000/h", "5/d", "auto"])
def test_a_rate_is_given_as_schemathesis_takes_it(rate: str) -> None:
    assert check_rate(rate) == rate


@pytest.mark.parametrize("rate", ["150/5m", "0/s", "30 per minute", "fast", "-1/s"])
def test_another_rate_is_refused_with_the_forms_it_takes(rate: str) -> None:
    with pytest.raises(ValueError, match=r"N/s, N/m, N/h or N/d"):
        url_target("dfe", "http://127.0.0.1:9/apprenticeships", rate_limit=rate)


def test_the_command_refuses_a_bad_rate_before_sending_anything(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["contract", "dfe", "--base-url", "http://127.0.0.1:9/x", "--rate-limit", "150/5m"])
    assert code == 2
    assert "expected a rate such as 30/m" in capsys.readouterr().err


def _answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "http://target/x"))


def test_a_429_is_sent_again_after_its_retry_after() -> None:
    waits: list[float] = []
    answers = iter([_answer(429, **{"Retry-After": "7"}), _answer(200)])
    response = Throttle("auto", sleep=waits.append).send(lambda: next(answers))
    assert response.status_code == 200
    assert waits == [7.0]


def test_a_target_that_keeps_answering_429_gets_its_last_answer_after_a_few_tries() -> None:
    waits: list[float] = []
    sent: list[int] = []

    def request() -> httpx.Response:
        sent.append(1)
        return _answer(429, **{"Retry-After": "2"})

    assert Throttle("auto", sleep=waits.append).send(request).status_code == 429
    assert waits == [2.0, 2.0, 2.0]
    assert len(sent) == 4


def test_retry_after_is_read_as_seconds_capped_and_defaults_to_one_second() -> None:
    assert retry_after(_answer(429)) == 1.0
    assert retry_after(_answer(429, **{"Retry-After": "86400"})) == MAX_WAIT
    assert retry_after(_answer(429, **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0


def test_requests_past_the_rate_wait_for_the_window() -> None:
    waits: list[float] = []
    now = [100.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    throttle = Throttle("2/s", sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        throttle.acquire()
    assert waits
    assert all(0 < wait <= 1.0 for wait in waits)
    # The third request waited out the first one's second: two in any one-second window.
    assert waits == [1.0]
    now[0] += 0.5
    throttle.acquire()
    assert waits == [1.0]
    throttle.acquire()
    assert waits == [1.0, 0.5]


def _served(limit: str) -> Iterator[tuple[Sandbox, str]]:
    sandbox = create_app(apis=("dfe",), rate_limits={"dfe": limit})
    with LiveServer(sandbox) as server:
        yield sandbox, f"{server.url}/apprenticeships"


@pytest.fixture(scope="module")
def strict() -> Iterator[tuple[Sandbox, str]]:
    """A DfE sandbox on a real socket whose gateway allows 5 requests a minute per key."""
    yield from _served("5 per 1 minute")


@pytest.fixture(scope="module")
def limited() -> Iterator[tuple[Sandbox, str]]:
    """A DfE sandbox on a real socket whose gateway allows 40 requests a second per key."""
    yield from _served("40 per 1 second")


def test_without_a_rate_the_workflow_says_the_target_limited_it_and_hides_the_key(
    strict: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = strict
    sandbox.reset(0)
    result = verify(
        url_target("dfe", base_url, headers=KEY),
        RunOptions(max_examples=few(), phases=("workflow",), workflow_steps=5),
    )
    (failure,) = result.failures
    assert failure.operation == "(run)"
    assert "429 Too Many Requests; pass --rate-limit" in failure.title
    assert failure.curl is not None
    assert "ocp-apim-subscription-key: [Filtered]" in failure.curl
    assert "sandbox-subscription-key" not in failure.curl


def test_with_a_rate_the_same_run_passes_and_the_target_never_answers_429(
    limited: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = limited
    sandbox.reset(0)
    target = url_target("dfe", base_url, headers=KEY, rate_limit="30/s")
    result = verify(target, RunOptions(max_examples=2 * few(), phases=("workflow",), workflow_steps=8))
    assert result.ok, [f.describe() for f in result.failures]
    assert sandbox.journal.entries(status=429) == []
    assert len(sandbox.journal.entries()) > 40  # more than one window's worth, spread out
