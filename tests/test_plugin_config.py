"""The pytest plugin reads serve's config file (the rootdir's, or --sandbox-config), under its options."""

from __future__ import annotations

import pytest

CHECKS = """
def test_options(sandbox):
    import os
    seed, apis = os.environ["EXPECT"].split(";")
    assert sandbox.seed == int(seed)
    assert list(sandbox.options.apis) == [a for a in apis.split(",") if a]
    # The plugin's own default stays: responses validated, unless the file says otherwise.
    assert sandbox.options.validate_responses
"""


def test_the_rootdirs_lms_sandbox_toml_sets_the_options_and_the_command_line_overrides_it(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.path / "lms-sandbox.toml").write_text("seed = 6\napis = ['dfe']\nport = 9999\n")
    project.makepyfile(CHECKS)
    monkeypatch.setenv("EXPECT", "6;dfe")
    project.runpytest().assert_outcomes(passed=1)
    monkeypatch.setenv("EXPECT", "2;dfe")
    project.runpytest("--sandbox-seed", "2").assert_outcomes(passed=1)


def test_pyprojects_table_is_read_and_sandbox_config_names_another_file(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.path / "pyproject.toml").write_text("[tool.lms-sandbox]\nseed = 3\napis = ['apprentiscope']\n")
    (project.path / "other.toml").write_text("seed = 8\napis = ['skyprep']\n")
    project.makepyfile(CHECKS)
    monkeypatch.setenv("EXPECT", "3;apprentiscope")
    project.runpytest().assert_outcomes(passed=1)
    monkeypatch.setenv("EXPECT", "8;skyprep")
    project.runpytest("--sandbox-config", "other.toml").assert_outcomes(passed=1)


def test_a_wrong_config_file_stops_the_run_naming_the_key(project: pytest.Pytester) -> None:
    (project.path / "lms-sandbox.toml").write_text("seed = 'x'\n")
    project.makepyfile("def test_never(sandbox):\n    pass\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lms-sandbox.toml: seed: expected an integer, got text ('x')*"])
