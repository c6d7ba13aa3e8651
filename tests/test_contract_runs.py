"""A contract run's table, its unreached operations, its time budget and several APIs at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts import RunOptions, sandbox_target, summary, verify
from contracts.command import budgets
from mockserver.cli import main
from mockserver.vendors import vendor_names

from .contract_faults.blocks import rewrite

# ApprentiScope's Read Partner answering 404, in ApprentiScope's error body, to every request.
NEVER_FOUND = rewrite(
    "GET",
    "^/apprentiscope/read-partner/",
    short_circuit=lambda scope: (404, {"status": 404, "error": "Not Found", "message": "partner not found"}),
)


def test_the_table_counts_answers_by_class_and_names_the_phases_that_reached_each_operation() -> None:
    result = verify(
        sandbox_target("apprentiscope"), RunOptions(phases=("examples", "workflow"), max_examples=2)
    )
    listed = result.operations["readPartners"]
    assert listed.requests == sum(listed.answers.values())
    assert listed.answers.get("2xx", 0) > 0
    assert "examples" in listed.phases
    # The workflow's own requests are found by method and path and counted with the rest.
    by_workflow = [op for op in result.operations.values() if "workflow" in op.phases]
    assert len(by_workflow) >= 3
    table = summary(result)
    for column in ("requests", "2xx", "4xx", "5xx", "phases"):
        assert column in table


def test_an_operation_that_never_answers_a_2xx_is_listed_as_unreached_and_passes_by_default() -> None:
    target = sandbox_target("apprentiscope", wrap=NEVER_FOUND)
    result = verify(target, RunOptions(phases=("examples",), max_examples=1))
    assert "readPartner" in result.unreached()
    assert "readPartners" not in result.unreached()
    assert "Unreached" in summary(result)
    assert "readPartner" not in result.failed_operations()


def test_fail_on_unreached_makes_an_unreached_operation_a_failure() -> None:
    target = sandbox_target("apprentiscope", wrap=NEVER_FOUND)
    result = verify(target, RunOptions(phases=("examples",), max_examples=1, fail_on_unreached=True))
    assert "readPartner" in result.failed_operations()
    assert any("unreached" in failure.title for failure in result.failures)


def test_a_spent_time_budget_stops_the_schemathesis_phases_and_says_so() -> None:
    options = RunOptions(phases=("examples", "fuzzing"), max_examples=50, time_budget=0.001)
    result = verify(sandbox_target("apprentiscope"), options)
    assert any("time budget" in note for note in result.notes)
    everything = verify(
        sandbox_target("apprentiscope"), RunOptions(phases=("examples", "fuzzing"), max_examples=5)
    )
    assert sum(op.requests for op in result.operations.values()) < sum(
        op.requests for op in everything.operations.values()
    )


def test_budgets_share_the_run_by_operations_within_its_length() -> None:
    shares = budgets(list(vendor_names()), 120.0, 2)
    assert set(shares) == set(vendor_names())
    assert all(30.0 <= seconds <= 120.0 for seconds in shares.values())
    # SkyPrep has the most operations, so the largest share.
    assert max(shares, key=shares.__getitem__) == "skyprep"


def test_several_apis_run_in_parallel_processes_with_one_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures, report = tmp_path / "figures.json", tmp_path / "contract.xml"
    code = main(
        [
            "contract",
            "apprentiscope",
            "coursepath",
            "--phase",
            "examples",
            "--max-examples",
            "1",
            "--json",
            str(figures),
            "--junit-xml",
            str(report),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    written = json.loads(figures.read_text())
    assert set(written["apis"]) == {"apprentiscope", "coursepath"}
    assert all(api["ok"] and api["requests"] > 0 for api in written["apis"].values())
    assert "Contracts:" in out
    assert "PASSED: 2 API(s)" in out
    assert report.read_text().count("<testsuite ") == 2


def test_a_base_url_names_one_api(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "apprentiscope", "dfe", "--base-url", "http://127.0.0.1:9/x"]) == 2
    assert "one API" in capsys.readouterr().err
