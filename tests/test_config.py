"""serve's config file (lms-sandbox.toml, pyproject.toml's [tool.lms-sandbox]) under flags and environment."""

from __future__ import annotations

import argparse
import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from mockserver.cli import build_parser, main, options_from_args
from mockserver.config import find_config, read_config
from mockserver.options import SandboxOptions
from mockserver.serve_command import configure, file_options
from mockserver.settings import Setting, Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "lms-sandbox.toml.example"


def _settings() -> Settings:
    return configure(argparse.ArgumentParser())


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LMS_SANDBOX_* variable from the developer's shell; the working folder an empty one."""
    for variable in [*_settings().environment(), "LMS_SANDBOX_CONFIG"]:
        monkeypatch.delenv(variable, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _serve(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_every_sandbox_option_is_a_setting_with_the_field_name_as_its_key() -> None:
    keys = set(_settings().names())
    assert {f.name for f in dataclasses.fields(SandboxOptions)} - keys == set()
    # And serve's own: where it listens, which server, its logs.
    assert {"host", "port", "server", "log_level", "log_format", "access_log"} <= keys


def test_flags_beat_the_environment_which_beats_the_file_which_beats_the_default(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    assert _serve().seed == 0
    (clean_environment / "lms-sandbox.toml").write_text("seed = 5\nserver = 'uvicorn'\n")
    assert (_serve().seed, _serve().server) == (5, "uvicorn")
    monkeypatch.setenv("LMS_SANDBOX_SEED", "6")
    args = _serve()
    assert (args.seed, args.resolved.sources["seed"]) == (6, "environment LMS_SANDBOX_SEED")
    args = _serve("--seed", "7")
    assert (args.seed, args.resolved.sources["seed"]) == (7, "command line")
    assert args.resolved.sources["server"] == str(clean_environment / "lms-sandbox.toml")


def test_a_repeatable_flag_replaces_the_files_list_instead_of_adding_to_it(clean_environment: Path) -> None:
    (clean_environment / "lms-sandbox.toml").write_text("apis = ['dfe', 'absorb']\n")
    assert _serve().apis == ["dfe", "absorb"]
    assert _serve("--api", "skyprep").apis == ["skyprep"]


def test_lms_sandbox_toml_wins_over_pyproject_and_no_config_ignores_both(clean_environment: Path) -> None:
    (clean_environment / "pyproject.toml").write_text("[project]\nname = 'x'\n[tool.lms-sandbox]\nseed = 3\n")
    assert _serve().seed == 3
    (clean_environment / "lms-sandbox.toml").write_text("seed = 4\n")
    assert _serve().seed == 4
    assert _serve("--no-config").seed == 0
    assert _serve("--config", "pyproject.toml").seed == 3


def test_lms_sandbox_config_names_the_file_and_the_flag_wins_over_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a.toml").write_text("seed = 1\n")
    (tmp_path / "b.toml").write_text("seed = 2\n")
    monkeypatch.setenv("LMS_SANDBOX_CONFIG", str(tmp_path / "a.toml"))
    assert _serve().seed == 1
    assert _serve("--config", str(tmp_path / "b.toml")).seed == 2


def test_a_pyproject_without_the_table_is_no_config(clean_environment: Path) -> None:
    (clean_environment / "pyproject.toml").write_text("[project]\nname = 'x'\n[tool.other]\nseed = 3\n")
    assert find_config(clean_environment) is None
    assert _serve().config_file is None


def test_relative_paths_in_the_file_are_relative_to_its_folder(
    clean_environment: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "sandbox.toml").write_text("fixtures = ['scenarios/a.yaml']\nstate_file = 'state.db'\n")
    args = _serve("--config", str(folder / "sandbox.toml"))
    assert args.fixtures == [folder / "scenarios" / "a.yaml"]
    assert args.state_file == folder / "state.db"


def test_tables_give_credentials_rate_limits_and_webhooks(clean_environment: Path) -> None:
    (clean_environment / "lms-sandbox.toml").write_text(
        "[credentials]\n"
        "apprentiscope = ['one', 'two']\n"
        "skyprep = {api_key = 'k', acct_key = 'a.skyprepapp.com'}\n"
        "[rate_limits]\n"
        "dfe = '1000/minute'\n"
        "[webhooks]\n"
        "coursepath = 'http://127.0.0.1:9000/hook'\n"
    )
    options = options_from_args(_serve())
    assert options.credentials["apprentiscope"] == ("one", "two")
    assert options.credentials["skyprep"] == ("api_key=k,acct_key=a.skyprepapp.com",)
    assert options.rate_limits == {"dfe": "1000/minute"}
    assert options.webhooks == {"coursepath": ("http://127.0.0.1:9000/hook",)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sead = 1", ["unknown key 'sead'", "did you mean 'seed'?"]),
        ("seed = 'seven'", ["seed: expected an integer, got text ('seven')"]),
        ("validate_responses = 'yes'", ["validate_responses: expected true or false"]),
        ("server = 'nginx'", ["server: 'nginx' is not one of granian, uvicorn"]),
        ("apis = 'dfe'", ["apis: expected a list, each one of"]),
        ("apis = ['dfee']", ["apis: 'dfee' is not one of"]),
        ("rate_limits = {dfe = 'often'}", ["rate_limits: invalid rate limit 'often'"]),
        ("max_body_size = 'lots'", ["max_body_size:"]),
        ("control_token = ''", ["control_token: expected text, got an empty text"]),
        ("seed = ", ["not valid TOML"]),
    ],
)
def test_a_wrong_key_or_value_stops_with_the_file_the_key_and_what_is_expected(
    clean_environment: Path, capsys: pytest.CaptureFixture[str], text: str, expected: list[str]
) -> None:
    (clean_environment / "lms-sandbox.toml").write_text(text + "\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--print-config"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert str(clean_environment / "lms-sandbox.toml") in err
    assert [piece for piece in expected if piece not in err] == []
    assert "Traceback" not in err


def test_a_missing_config_file_named_explicitly_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--config", "nowhere.toml", "--print-config"])
    assert exit_info.value.code == 2
    assert "nowhere.toml not found" in capsys.readouterr().err


def test_print_config_shows_each_value_and_its_source_and_reads_back_the_same(
    monkeypatch: pytest.MonkeyPatch,
    clean_environment: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (clean_environment / "lms-sandbox.toml").write_text(
        "seed = 9\nfixtures = ['a.yaml']\nrate_limits = {dfe = '5/minute'}\njournal_size = 50\n"
    )
    monkeypatch.setenv("LMS_SANDBOX_CONTROL_TOKEN", "s3cret-token")
    assert main(["serve", "--print-config", "--port", "0", "--api", "dfe"]) == 0
    printed = capsys.readouterr().out
    assert "seed = 9  # " + str(clean_environment / "lms-sandbox.toml") in printed
    assert "port = 0  # command line" in printed
    assert 'host = "127.0.0.1"  # default' in printed
    assert "s3cret-token" not in printed
    assert "control_token is set (environment LMS_SANDBOX_CONTROL_TOKEN; not shown)" in printed
    # The output is a config file giving the same options, from anywhere.
    assert tomllib.loads(printed)["journal_size"] == 50
    copy = tmp_path / "elsewhere" / "printed.toml"
    copy.parent.mkdir()
    copy.write_text(printed)
    monkeypatch.delenv("LMS_SANDBOX_CONTROL_TOKEN")
    again = options_from_args(_serve("--config", str(copy)))
    first = options_from_args(_serve("--port", "0", "--api", "dfe"))
    assert dataclasses.replace(first, control_token=None) == again


def test_the_example_file_sets_every_key_and_loads() -> None:
    config = read_config(EXAMPLE)
    settings = _settings()
    # Every setting is shown in the example (the control token only in a comment: not a thing to commit).
    assert set(settings.names()) - set(config.values) == {"control_token"}
    checked = settings.check_file(config.values, config.name, config.folder)
    resolved = settings.resolve({}, {}, checked, config.name)
    options = options_from_args(argparse.Namespace(**resolved.values))
    assert options.seed == config.values["seed"]


def test_the_plugins_options_come_from_the_file_the_rest_from_its_defaults(tmp_path: Path) -> None:
    (tmp_path / "lms-sandbox.toml").write_text("seed = 4\napis = ['dfe']\nport = 9000\n")
    found = find_config(tmp_path)
    assert found is not None
    options = file_options(found, SandboxOptions(validate_responses=True))
    assert (options.seed, options.apis, options.validate_responses) == (4, ("dfe",), True)


def test_the_docs_toml_examples_are_valid_settings() -> None:
    page = (ROOT / "docs" / "config.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", page, re.S)
    settings = _settings()
    assert len(blocks) >= 2
    for block in blocks:
        document = tomllib.loads(block)
        values = document.get("tool", {}).get("lms-sandbox", document)
        assert settings.check_file(values, "docs/config.md", ROOT)


def test_a_number_is_taken_where_the_flag_reads_one_from_text(tmp_path: Path) -> None:
    seconds = Setting("ttl", ("--ttl",), None, 60.0, "text", float)
    assert seconds.from_file(2.5, tmp_path) == 2.5
    assert seconds.from_file(3, tmp_path) == 3.0
    with pytest.raises(ValueError, match="got a boolean"):
        seconds.from_file(True, tmp_path)
    assert _settings()["max_body_size"].from_file(2048, tmp_path) == 2048
