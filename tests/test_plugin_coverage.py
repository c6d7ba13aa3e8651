"""The pytest plugin's ``--sandbox-coverage``: run as a downstream project runs it (pytester)."""

from __future__ import annotations

import json

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


def test_workers_reports_are_merged_by_the_controller(project: pytest.Pytester) -> None:
    marks = project.mkdir("workers")
    project.makepyfile(
        f"""
        import os
        from pathlib import Path

        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_lists(n, apprentiscope_sandbox):
            assert apprentiscope_sandbox.client.get("/read-users/apprentice").status_code == 200
            Path({str(marks)!r}, os.environ["PYTEST_XDIST_WORKER"]).write_text("ran")
        """
    )
    out = project.path / "coverage.md"
    result = project.runpytest_subprocess(
        "-n",
        "2",
        "--sandbox-coverage=markdown",
        f"--sandbox-coverage-output={out}",
        "--sandbox-coverage-fail-under=2",
    )
    result.assert_outcomes(passed=6)
    assert sorted(p.name for p in marks.iterdir()) == ["gw0", "gw1"]
    assert "| `readUsers` | 6 | 200x6 |" in out.read_text()
    assert result.ret == pytest.ExitCode.OK


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
