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


def _passes(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, expect: str, *args: str) -> None:
    """The project's test passes, given ``--sandbox-*`` ``args``, expecting ``SEED;API,...``."""
    monkeypatch.setenv("EXPECT", expect)
    project.runpytest(*args).assert_outcomes(passed=1)


def test_the_rootdirs_lms_sandbox_toml_sets_the_options_and_the_command_line_overrides_it(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.path / "lms-sandbox.toml").write_text("seed = 6\napis = ['dfe']\nport = 9999\n")
    project.makepyfile(CHECKS)
    _passes(project, monkeypatch, "6;dfe")
    _passes(project, monkeypatch, "2;dfe", "--sandbox-seed", "2")


def test_pyprojects_table_is_read_and_sandbox_config_names_another_file(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.path / "pyproject.toml").write_text("[tool.lms-sandbox]\nseed = 3\napis = ['apprentiscope']\n")
    (project.path / "other.toml").write_text("seed = 8\napis = ['skyprep']\n")
    project.makepyfile(CHECKS)
    _passes(project, monkeypatch, "3;apprentiscope")
    _passes(project, monkeypatch, "8;skyprep", "--sandbox-config", "other.toml")


def test_a_wrong_config_file_stops_the_run_naming_the_key(project: pytest.Pytester) -> None:
    (project.path / "lms-sandbox.toml").write_text("seed = 'x'\n")
    project.makepyfile("def test_never(sandbox):\n    pass\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lms-sandbox.toml: seed: expected an integer, got text ('x')*"])
