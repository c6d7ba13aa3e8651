"""Concurrent writers, small: every vendor's stress profile against ``serve`` over a real socket, and the
checks after a run, each shown to catch what it is for (a lost, stale, doubled or undead write).

``make stress`` runs the same at full scale (32 clients x 1,000 creates per API).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts.fuzz.server import ServedSandbox
from contracts.workflows.stress import Ledger, StressProfile, profile_for, stressed_apis
from tests.stress import server
from tests.stress.driver import stress
from tests.stress.run import main, summary
from tests.stress.verify import ledger_problems, list_problems

CLIENTS = 4
CREATES = 25


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSandbox]:
    running = server.start(tmp_path_factory.mktemp("serve"))
    yield running
    running.stop()


@pytest.mark.parametrize("api", stressed_apis())
def test_concurrent_writers_lose_nothing(serve: ServedSandbox, api: str) -> None:
    result = asyncio.run(stress(serve.url, api, clients=CLIENTS, creates=CREATES))

    assert result.problems == [], "\n".join(summary(result))
    assert sum(result.ledger.creates.values()) >= CLIENTS * CREATES
    assert result.server_errors == 0
    assert server.tracebacks(serve.log.read_text()) == []


# The built-in vendors; another package's vendor (a test's toy one) may well have no profile.
BUILT_IN = ("apprentiscope", "dfe", "skyprep", "coursepath", "absorb")


def test_every_built_in_vendor_names_a_stress_profile() -> None:
    for api in BUILT_IN:
        profile = profile_for(api)
        assert profile is not None, api
        assert issubclass(profile, StressProfile)
        assert profile.api == api


def test_make_stress_prints_the_figures_and_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--clients", "2", "--creates", "3", "--api", stressed_apis()[0], "--out", str(tmp_path)])

    out = capsys.readouterr().out
    assert status == 0, out
    assert "2 clients x 3 creates" in out
    assert "every acknowledged write present exactly once; OK" in out


# --- the checks, on states made by hand ---------------------------------------------------------


def _state(**collections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"collections": collections}


BEFORE = _state(users={"seed": {"id": "seed", "email": "seed@example.com"}})


def _ledger() -> Ledger:
    ledger = Ledger()
    ledger.created("users", "a", {"email": "a@example.com"}, unique=("email", "a@example.com"))
    ledger.created("users", "b", {"email": "b@example.com"}, unique=("email", "b@example.com"))
    ledger.updated("users", "a", {"name": "Ada"})
    ledger.deleted("users", "b")
    return ledger


def test_an_export_holding_every_acknowledged_write_passes() -> None:
    after = _state(
        users={
            "seed": {"id": "seed", "email": "seed@example.com"},
            "a": {"id": "a", "email": "a@example.com", "name": "Ada"},
        }
    )

    assert ledger_problems(_ledger(), BEFORE, after) == []


def test_a_lost_create_is_reported() -> None:
    after = _state(users={"seed": {"id": "seed", "email": "seed@example.com"}})

    problems = ledger_problems(_ledger(), BEFORE, after)

    assert any("users/a was created (acknowledged) but is missing" in p for p in problems)
    assert any("the export holds 1 records" in p for p in problems)


def test_a_stale_update_is_reported() -> None:
    after = _state(users={**BEFORE["collections"]["users"], "a": {"email": "a@example.com", "name": "Al"}})

    problems = ledger_problems(_ledger(), BEFORE, after)

    assert problems == [
        "users/a does not hold its last acknowledged values: name: acknowledged 'Ada', exported 'Al'"
    ]


def test_a_deleted_record_still_exported_is_reported() -> None:
    after = _state(
        users={
            **BEFORE["collections"]["users"],
            "a": {"email": "a@example.com", "name": "Ada"},
            "b": {"email": "b@example.com"},
        }
    )

    problems = ledger_problems(_ledger(), BEFORE, after)

    assert any("users/b was deleted (acknowledged) but is still in the export" in p for p in problems)


def test_two_creates_answered_with_one_id_are_reported() -> None:
    ledger = Ledger()
    ledger.created("progress", "1", {"value": 10})
    ledger.created("progress", "1", {"value": 20})
    after = _state(progress={"1": {"value": 20}})

    problems = ledger_problems(ledger, _state(), after)

    assert "two acknowledged creates answered with one id: progress/1" in problems


def test_a_create_after_the_delete_of_the_same_key_is_no_reuse() -> None:
    ledger = Ledger()
    ledger.created("coursemembers", "c:m")
    ledger.deleted("coursemembers", "c:m")
    ledger.created("coursemembers", "c:m")

    assert ledger_problems(ledger, _state(), _state(coursemembers={"c:m": {}})) == []


def test_a_record_exported_twice_under_two_ids_is_reported() -> None:
    ledger = Ledger()
    ledger.created("users", "a", {"email": "a@example.com"}, unique=("email", "a@example.com"))
    after = _state(users={"a": {"email": "a@example.com"}, "z": {"email": "a@example.com"}})

    problems = ledger_problems(ledger, _state(), after)

    assert "users with email='a@example.com': 2 in the export, not 1" in problems


def test_a_list_that_misses_or_repeats_a_record_is_reported() -> None:
    after = _state(users={"a": {"kind": "x"}, "b": {"kind": "x"}, "c": {"kind": "y"}})

    def only_x(collection: str, record: Any) -> bool:
        return bool(record["kind"] == "x")

    assert list_problems({"users": ["a", "b"]}, after, only_x) == []
    missing = list_problems({"users": ["a"]}, after, only_x)
    assert len(missing) == 1
    assert "not listed: ['b']" in missing[0]
    repeated = list_problems({"users": ["a", "b", "b"]}, after, only_x)
    assert any("more than once: ['b']" in p for p in repeated)


def test_a_traceback_in_the_server_log_is_found() -> None:
    log = (
        'INFO: started\nTraceback (most recent call last):\n  File "x.py", line 1, in f\n'
        "    boom()\nKeyError: 'users'\nINFO: still serving\n"
    )

    assert server.tracebacks(log) == ["KeyError: 'users'"]
    assert server.tracebacks("INFO: started\n") == []


def test_per_owner_folds_each_owners_values_on_both_sides_and_checks_every_live_owner() -> None:
    ledger = Ledger()
    ledger.created("users", "u1")
    ledger.created("users", "u2")
    ledger.created("users", "u3")
    ledger.deleted("users", "u3")
    seen: list[tuple[str, int, int]] = []

    def check(owner: str, exported: int, acknowledged: int) -> Any:
        seen.append((owner, exported, acknowledged))
        return owner

    checks = StressProfile.per_owner(
        ledger.of("users"), [("u1", 2), ("u1", 3), ("u3", 9)], [("u1", 5), ("u2", 1)], sum, check
    )
    assert list(checks) == ["u1", "u2"]
    assert seen == [("u1", 5, 5), ("u2", 0, 1)]
