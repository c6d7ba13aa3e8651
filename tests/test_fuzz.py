"""``lms-sandbox fuzz`` with a tiny budget against a real ``serve`` child on 127.0.0.1, port 0.

The verdict rule is proved both ways: a clean run passes with every request counted under a status, and
a 500 injected with ``--fault`` (or a traceback in the server log) fails it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.fuzz import FuzzOptions, FuzzResult, Tally, as_json, fuzz, summary, tracebacks
from contracts.fuzz.corpus import CorpusResult
from contracts.fuzz.driver import documents, shares
from contracts.fuzz.hostile import CONTROL
from contracts.fuzz.wire import Answer, Probe
from mockserver.cli import main

API = "apprentiscope"
BUDGET = 120

LOG = """INFO: started
sandbox handler failed
Traceback (most recent call last):
  File "/venv/site-packages/starlette/routing.py", line 704, in app
    await route.handle(scope, receive, send)
  File "/src/mockserver/vendors/skyprep/account.py", line 191, in list_payments
    since = now(data) - timedelta(days=days)
OverflowError: Python int too large to convert to C int
WARNING: Invalid HTTP request received.
Traceback (most recent call last):
  File "/src/mockserver/vendors/skyprep/account.py", line 191, in list_payments
    since = now(data) - timedelta(days=days)
OverflowError: Python int too large to convert to C int
"""


def test_the_budget_is_shared_by_operation_count_and_reached() -> None:
    docs = documents(("apprentiscope", "dfe"))
    parts = shares(1_000, docs)
    assert sum(parts.values()) >= 1_000
    sizes = {(api, doc.name): len(doc.operations()) for api, doc in docs}
    most = max(sizes, key=lambda key: sizes[key])
    fewest = min(sizes, key=lambda key: sizes[key])
    assert sizes[most] > sizes[fewest]
    assert parts[most] > parts[fewest] >= 1


def test_a_small_clean_run_counts_every_request_under_a_status_and_passes(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    result = fuzz(FuzzOptions(budget=BUDGET, apis=(API,), log=log, max_examples=2))
    counts = result.tally.apis[API]
    # The run stops at its share, so it sends just that (a request in flight may add one).
    assert BUDGET <= result.tally.requests <= BUDGET + 1
    assert sum(counts.statuses.values()) == counts.requests == result.tally.requests
    assert any(status.startswith("2") for status in counts.statuses)
    assert any(status.startswith("4") for status in counts.statuses)
    assert result.ok, result.server_errors
    assert result.exit_code == 0
    # The hostile-input corpus went over the same socket after Schemathesis, and passed.
    assert result.corpus is not None
    assert result.corpus.ok, [finding.describe() for finding in result.corpus.findings]
    assert result.corpus.sent > 300
    assert set(result.corpus.statuses) == {API, CONTROL}
    assert "lms-sandbox serving on http://127.0.0.1:" in log.read_text()


def test_an_injected_500_fails_the_run_and_shows_its_curl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "fuzz.json"
    argv = ["fuzz", "--budget", "40", "--api", API, "--phase", "examples", "--log", str(tmp_path / "s.log")]
    argv.append("--no-corpus")
    assert main([*argv, "--json", str(figures), "--fault", f"{API}=status:500,times:3"]) == 1
    out = capsys.readouterr().out
    assert "Requests per API:" in out
    assert "Responses >= 500 or unanswered (3;" in out
    assert "reproduce: curl " in out
    assert "FAILED" in out
    written = json.loads(figures.read_text())
    assert written["server_errors"] == 3 == written["statuses"]["500"]
    assert written["requests"] == sum(written["statuses"].values())
    assert not written["ok"]
    assert written["corpus"] is None


def test_tracebacks_in_the_log_are_found_grouped_and_placed_in_our_code() -> None:
    found = tracebacks(LOG)
    assert len(found) == 1
    assert found[0].count == 2
    assert found[0].exception.startswith("OverflowError")
    assert found[0].where.endswith("skyprep/account.py:191 in list_payments")
    assert tracebacks("INFO: nothing went wrong\n") == []


def test_a_traceback_fails_the_verdict_even_without_a_server_error() -> None:
    result = FuzzResult(options=FuzzOptions(), shares={}, tally=Tally())
    assert result.ok
    result.tracebacks = tracebacks(LOG)
    assert not result.ok


def test_a_corpus_answer_of_500_or_an_invalid_export_fails_the_verdict() -> None:
    result = FuzzResult(options=FuzzOptions(), shares={}, tally=Tally(), corpus=CorpusResult())
    assert result.ok
    probe = Probe(API, "json: NaN", "POST", b"/apprentiscope/create-user")
    result.corpus.count(probe, Answer(500, body=b"boom"))  # type: ignore[union-attr]
    assert not result.ok
    assert result.exit_code == 1
    assert as_json(result)["corpus"]["findings"] == [f"{probe.describe()} -> 500 boom"]
    assert "1 answer(s) >= 500" in summary(result)
    exported = FuzzResult(options=FuzzOptions(), shares={}, tally=Tally(), corpus=CorpusResult())
    exported.corpus.exports[API] = "the export is not valid JSON"  # type: ignore[union-attr]
    assert not exported.ok


def test_bad_options_are_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fuzz", "--budget", "0", "--log", str(tmp_path / "s.log")]) == 2
    assert "at least 1" in capsys.readouterr().err
    assert not (tmp_path / "s.log").exists()
