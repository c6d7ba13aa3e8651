"""The pytest plugin's ``--sandbox-coverage``: run as a downstream project runs it (pytester)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mockserver.coverage import SCHEMA_FILE
from mockserver.coverage_render import FORMATS
from mockserver.pytest_plugin import COVERAGE_FORMATS

TESTS = """
import pytest

def test_lists(apprentiscope_sandbox):
    assert apprentiscope_sandbox.client.get("/read-users/apprentice").status_code == 200

def test_lists_again_after_a_reset(apprentiscope_sandbox, sandbox):
    sandbox.reset()
    assert apprentiscope_sandbox.client.get("/read-users/apprentice").status_code == 200
    assert apprentiscope_sandbox.client.get("/read-user/nobody").status_code == 404

@pytest.mark.sandbox(isolated=True)
def test_in_a_session_of_its_own(apprentiscope_sandbox):
    assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 200
"""


def _operations(report: dict[str, object]) -> dict[str, dict[str, object]]:
    (api,) = report["apis"]  # type: ignore[misc]
    return {o["id"]: o for o in api["operation_list"]}


def test_the_report_counts_every_test_across_resets_and_sessions_and_validates(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(TESTS)
    out = project.path / "coverage.json"
    result = project.runpytest("--sandbox-coverage=json", f"--sandbox-coverage-output={out}")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["*lms-sandbox coverage*", f"coverage (json) written to {out}", "*apprentiscope: operations 3/*"]
    )
    report = json.loads(out.read_text())
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(report)
    operations = _operations(report)  # only the API the tests called
    assert operations["readUsers"]["statuses_seen"] == {"200": 2}
    assert operations["readUser"]["statuses_seen"] == {"404": 1}
    assert operations["readOccupations"]["calls"] == 1
    assert operations["deleteUser"]["calls"] == 0


def test_the_term_report_is_printed_and_nothing_without_the_option(project: pytest.Pytester) -> None:
    project.makepyfile(TESTS)
    result = project.runpytest("--sandbox-coverage")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["sandbox coverage: operations 3/*", "*never met ApprentiScope's 401 from readUsers*"]
    )
    quiet = project.runpytest()
    quiet.assert_outcomes(passed=3)
    assert "sandbox coverage" not in quiet.stdout.str()


def test_a_threshold_fails_a_green_run_under_it_and_passes_one_over_it(project: pytest.Pytester) -> None:
    project.makepyfile(TESTS)
    under = project.runpytest("--sandbox-coverage-fail-under=50")
    under.assert_outcomes(passed=3)
    assert under.ret == pytest.ExitCode.TESTS_FAILED
    under.stdout.fnmatch_lines(
        ["FAIL: sandbox coverage of operations is * %, under the 50 % required (3 of *)"]
    )
    over = project.runpytest("--sandbox-coverage-fail-under=5")
    assert over.ret == pytest.ExitCode.OK
    statuses = project.runpytest(
        "--sandbox-coverage-fail-under=5", "--sandbox-coverage-fail-under-statuses=90"
    )
    assert statuses.ret == pytest.ExitCode.TESTS_FAILED
    statuses.stdout.fnmatch_lines(
        ["FAIL: sandbox coverage of documented statuses is *, under the 90 % required*"]
    )


def test_a_sandbox_the_conftest_builds_is_counted_once_shown_to_watch_coverage(
    project: pytest.Pytester,
) -> None:
    project.makeconftest(
        """
        import pytest
        from mockserver import create_app
        from mockserver.pytest_plugin import watch_coverage

        @pytest.fixture(scope="session")
        def own(pytestconfig):
            app = create_app(apis=("coursepath",))
            watch_coverage(pytestconfig, app)
            return app
        """
    )
    project.makepyfile(
        """
        from mockserver.testing import sync_client

        def test_calls(own):
            with sync_client(own) as client:
                assert client.get("/coursepath/api/v1/members").status_code == 401
        """
    )
    result = project.runpytest("--sandbox-coverage")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["  coursepath: operations 1/*"])


def test_the_plugins_formats_are_the_renderers() -> None:
    assert COVERAGE_FORMATS == FORMATS


def _junit_properties(path: Path) -> tuple[dict[str, str], list[str]]:
    """The one test suite's properties of a JUnit XML file, and its test cases' names."""
    (suite,) = ET.parse(path).getroot().iter("testsuite")
    assert len(suite.findall("properties")) == 1  # one element, pytest's own properties with ours
    properties = {p.get("name", ""): p.get("value", "") for p in suite.iterfind("properties/property")}
    return properties, [case.get("name", "") for case in suite.iter("testcase")]


def _agree(properties: dict[str, str], report: dict[str, Any]) -> None:
    """Every figure of the JSON report, as a property, and no other coverage property."""
    expected: dict[str, str] = {}
    for prefix, figures in [("sandbox_coverage_", report)] + [
        (f"sandbox_coverage.{api['name']}.", api) for api in report["apis"]
    ]:
        for kind in ("operations", "statuses", "refusal_ways"):
            ratio = figures[kind]
            expected[f"{prefix}{kind}"] = f"{ratio['covered']}/{ratio['documented']}"
            expected[f"{prefix}{kind}_percent"] = f"{ratio['percent']:g}"
            assert float(properties[f"{prefix}{kind}_percent"]) == ratio["percent"]
    assert {k: v for k, v in properties.items() if k.startswith("sandbox_coverage")} == expected


def test_the_figures_become_junit_properties_of_the_suite_unless_turned_off(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        TESTS
        + """
def test_records_a_property_of_its_own(record_testsuite_property):
    record_testsuite_property("team", "ours")
"""
    )
    out, xml = project.path / "coverage.json", project.path / "junit.xml"
    result = project.runpytest(
        "--sandbox-coverage=json", f"--sandbox-coverage-output={out}", f"--junitxml={xml}"
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([f"coverage figures added to {xml} as properties"])
    report = json.loads(out.read_text())
    properties, cases = _junit_properties(xml)
    _agree(properties, report)
    assert properties["sandbox_coverage.apprentiscope.operations"] == (
        f"3/{report['apis'][0]['operations']['documented']}"
    )
    assert properties["team"] == "ours"  # what pytest wrote is kept
    assert cases == [
        "test_lists",
        "test_lists_again_after_a_reset",
        "test_in_a_session_of_its_own",
        "test_records_a_property_of_its_own",
    ]
    assert ET.parse(xml).getroot().find("testsuite").get("tests") == "4"  # type: ignore[union-attr]

    off = project.runpytest("--sandbox-coverage", f"--junitxml={xml}", "--sandbox-coverage-junit=no")
    off.assert_outcomes(passed=4)
    assert set(_junit_properties(xml)[0]) == {"team"}
    assert "as properties" not in off.stdout.str()

    alone = project.runpytest("--sandbox-coverage-junit=yes", f"--junitxml={xml}")
    alone.assert_outcomes(passed=4)
    assert (
        _junit_properties(xml)[0]["sandbox_coverage_operations"] == properties["sandbox_coverage_operations"]
    )


def test_without_a_junit_file_nothing_is_written(project: pytest.Pytester) -> None:
    project.makepyfile(TESTS)
    result = project.runpytest("--sandbox-coverage", "--sandbox-coverage-junit=yes")
    result.assert_outcomes(passed=3)
    assert "as properties" not in result.stdout.str()
    assert not [p for p in project.path.rglob("*.xml")]


def test_workers_reports_are_merged_by_the_controller_which_adds_them_to_the_junit_xml(
    project: pytest.Pytester,
) -> None:
    marks = project.mkdir("workers")
    project.makepyfile(
        f"""
        import os
        from pathlib import Path

        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_lists(n, apprentiscope_sandbox):
            assert apprentiscope_sandbox.client.get("/read-users/apprentice").status_code == 200
            Path({str(marks)!r}, os.environ["PYTEST_XDIST_WORKER"]).write_text("ran")

        def test_misses(apprentiscope_sandbox):
            assert apprentiscope_sandbox.client.get("/read-user/nobody").status_code == 404
            Path({str(marks)!r}, os.environ["PYTEST_XDIST_WORKER"]).write_text("ran")
        """
    )
    out, xml = project.path / "coverage.json", project.path / "junit.xml"
    result = project.runpytest_subprocess(
        *("-p", "xdist", "-n", "2", "--sandbox-coverage=json", f"--sandbox-coverage-output={out}"),
        *("--sandbox-coverage-fail-under=2", f"--junitxml={xml}"),
    )
    result.assert_outcomes(passed=5)
    assert result.ret == pytest.ExitCode.OK
    assert sorted(p.name for p in marks.iterdir()) == ["gw0", "gw1"]
    report = json.loads(out.read_text())
    assert _operations(report)["readUsers"]["statuses_seen"] == {"200": 4}  # merged from both workers
    assert _operations(report)["readUser"]["statuses_seen"] == {"404": 1}
    properties, cases = _junit_properties(xml)
    _agree(properties, report)
    assert properties["sandbox_coverage.apprentiscope.operations"].startswith("2/")
    assert sorted(cases) == [
        "test_lists[0]",
        "test_lists[1]",
        "test_lists[2]",
        "test_lists[3]",
        "test_misses",
    ]
