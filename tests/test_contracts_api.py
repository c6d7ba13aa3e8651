"""The contracts package's public surface, reports and determinism."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from contracts import ConsoleReporter, RunOptions, junit_xml, load_contract, sandbox_target, summary, verify
from contracts.runner import load
from contracts.workflows import WORKFLOWS
from mockserver.cli import main
from mockserver.vendors import REGISTRY, vendor_names

from .contract_budget import few
from .contract_faults import FAULTS

WRONG_STATUS = next(f for f in FAULTS if f.name == "wrong status on one operation")


def test_every_vendor_in_the_registry_has_a_workflow_model() -> None:
    assert set(WORKFLOWS) == set(REGISTRY)


def test_a_failure_report_names_the_operation_with_its_curl_and_junit_failure() -> None:
    result = verify(sandbox_target("apprentiscope", wrap=WRONG_STATUS.wrap), RunOptions(phases=("examples",)))
    text = summary(result)
    assert "FAIL createPartner" in text
    assert "reproduce: curl -X POST -H 'Authorization: sandbox-apprentiscope-token'" in text
    assert "/apprentiscope/create-partner" in text
    root = junit_xml(result).getroot()
    failing = [case.get("name", "") for case in root.iter("testcase") if case.find("failure") is not None]
    assert failing == ["createPartner (POST /create-partner)"]
    assert root.find("testsuite").get("failures") == "1"  # type: ignore[union-attr]


def test_the_same_seed_replays_the_same_failures() -> None:
    def run(seed: int) -> list[str]:
        target = sandbox_target("apprentiscope", wrap=WRONG_STATUS.wrap, seed=seed)
        return [
            f.describe()
            for f in verify(target, RunOptions(phases=("fuzzing",), max_examples=few(), seed=seed)).failures
        ]

    assert run(3) == run(3)


@pytest.mark.parametrize("tty", [False, True])
def test_progress_updates_one_line_on_a_terminal_and_prints_plain_lines_otherwise(tty: bool) -> None:
    stream = io.StringIO()
    reporter = ConsoleReporter(stream, tty=tty)
    verify(sandbox_target("apprentiscope"), RunOptions(phases=("examples",)), reporter=reporter)
    out = stream.getvalue()
    assert ("\r" in out) is tty
    assert ("\033[K" in out) is tty
    assert "examples [apprentiscope.yaml]:" in out
    assert "PASSED" in out


def test_unknown_phases_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown phase"):
        RunOptions(phases=("smoke",))


@pytest.mark.parametrize("api", vendor_names())
def test_every_api_passes_its_contract_on_the_sandbox_with_valid_junit(
    api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, figures = tmp_path / "contract.xml", tmp_path / "figures.json"
    code = main(
        [
            "contract",
            api,
            "--max-examples",
            str(few()),
            "--junit-xml",
            str(report),
            "--json",
            str(figures),
            "--fail-on-unreached",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED" in out
    # Every documented operation got a 2xx from some phase: nothing was left behind a refusal.
    assert json.loads(figures.read_text())["apis"][api]["unreached"] == []
    root = ElementTree.parse(report).getroot()
    names = {case.get("name", "").split()[0] for case in root.iter("testcase")}
    documented = {op["operationId"] for d in load_contract(api).documents for _, _, op in d.operations()}
    assert names == documented
    assert root.find(".//failure") is None


def test_a_malformed_header_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["contract", "apprentiscope", "--base-url", "http://127.0.0.1:9", "--header", "no-colon"]) == 2
    )
    assert "Name: value" in capsys.readouterr().err


def test_load_gives_a_schemathesis_schema_of_the_main_document_with_only_reads_for_a_url() -> None:
    from contracts import load, url_target

    writable = load(sandbox_target("apprentiscope"))
    read_only = load(url_target("apprentiscope", "http://127.0.0.1:9/apprentiscope"))
    methods = {op.ok().method.upper() for op in read_only.get_all_operations()}
    assert methods == {"GET"}
    assert {op.ok().method.upper() for op in writable.get_all_operations()} >= {
        "GET",
        "POST",
        "PUT",
        "DELETE",
    }


@pytest.mark.parametrize("light", [True, False])
def test_deprecated_twins_get_a_fifth_of_the_examples_and_no_coverage_unless_asked(light: bool) -> None:
    options = RunOptions(max_examples=25, light_deprecated=light)
    schema = load(sandbox_target("skyprep"), options=options)
    current = schema.find_operation_by_id("get_user")
    twin = schema.find_operation_by_id("get_userGet")
    assert twin.definition.raw.get("deprecated") is True
    assert schema.config.generation_for(operation=current).max_examples == 25
    assert schema.config.phases_for(operation=current).coverage.enabled
    assert schema.config.generation_for(operation=twin).max_examples == (5 if light else 25)
    assert schema.config.phases_for(operation=twin).coverage.enabled is not light


def test_reads_under_a_delete_that_keeps_its_resource_are_not_held_to_use_after_free() -> None:
    # DELETE /members/{id}/groups takes the member out of groups: the list still answers 200 after it.
    schema = load(sandbox_target("coursepath"))
    remove = schema.find_operation_by_id("removeMemberGroups")
    assert remove.definition.raw.get("x-deletes-resource") is False

    def checked(operation_id: str) -> bool:
        config = schema.config.checks_config_for(operation=schema.find_operation_by_id(operation_id))
        return bool(config.get_by_name(name="use_after_free").enabled)

    assert not checked("listMemberGroups")
    # A DELETE that removes its resource keeps the check on the reads of that resource.
    assert checked("getCourseMember")
    assert checked("listMembers")
