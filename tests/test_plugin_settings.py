from __future__ import annotations

from pathlib import Path

import pytest

from mockserver import FixtureError, SandboxOptions
from mockserver.plugin import MarkerSettings, resolve_options, session_of_test
from mockserver.plugin.settings import app_key, find_scenario
from mockserver.sessions import check_name


def test_marker_arguments_are_parsed_into_settings() -> None:
    settings = MarkerSettings.from_kwargs((), {"seed": 7, "fixture": "a.yaml", "apis": ["apprentiscope"]})
    assert settings == MarkerSettings(seed=7, fixtures=("a.yaml",), apis=("apprentiscope",))
    assert MarkerSettings.from_kwargs((), {"fixture": ["a.yaml", "b.yaml"]}).fixtures == ("a.yaml", "b.yaml")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((7,), {}, "keyword arguments only"),
        ((), {"sede": 7}, "unknown argument(s) sede; it takes seed, fixture, apis, faults"),
        ((), {"seed": "7"}, "seed=...) must be an int"),
        ((), {"seed": True}, "seed=...) must be an int"),
        ((), {"apis": [1]}, "apis=...) takes a string or a list of strings"),
        ((), {"isolated": "yes"}, "isolated=...) must be True or False"),
    ],
)
def test_bad_marker_arguments_say_what_is_accepted(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError) as raised:
        MarkerSettings.from_kwargs(args, kwargs)
    assert message in str(raised.value)


def test_an_isolated_tests_session_is_named_by_its_worker_and_its_id() -> None:
    assert MarkerSettings.from_kwargs((), {"isolated": True}).isolated
    one, other = (session_of_test(f"tests/test_a.py::test_{n}[x y/z]", "gw1") for n in ("one", "other"))
    assert one.startswith("gw1-")
    assert one != other
    assert check_name(one) == one
    assert session_of_test("t::t", None).startswith("main-")
    assert session_of_test("t::t", "gw0") != session_of_test("t::t", "gw1")


def test_marker_beats_command_line_which_beats_the_options_fixture(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text("api: apprentiscope\n")
    base = SandboxOptions(seed=1, validate_responses=True)
    cli = resolve_options(
        base, cli_seed=2, cli_fixtures=[Path("/cli.yaml")], marker=MarkerSettings(), marker_search=[]
    )
    assert (cli.seed, cli.fixtures, cli.validate_responses) == (2, (Path("/cli.yaml"),), True)
    marked = resolve_options(
        base,
        cli_seed=2,
        cli_fixtures=[Path("/cli.yaml")],
        marker=MarkerSettings(seed=3, fixtures=("scenario.yaml",), apis=("apprentiscope",)),
        marker_search=[tmp_path / "missing", tmp_path],
    )
    assert (marked.seed, marked.fixtures, marked.apis) == (
        3,
        (tmp_path / "scenario.yaml",),
        ("apprentiscope",),
    )
    untouched = resolve_options(
        base, cli_seed=None, cli_fixtures=[], marker=MarkerSettings(), marker_search=[]
    )
    assert untouched == base


def test_a_missing_scenario_names_the_folders_searched(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"scenario file 'nope.yaml' not found \(looked in .*\)"):
        find_scenario("nope.yaml", [tmp_path])


def test_options_differing_only_in_seed_share_an_app() -> None:
    assert app_key(SandboxOptions(seed=1)) == app_key(SandboxOptions(seed=2))
    assert app_key(SandboxOptions()) != app_key(SandboxOptions(apis=("apprentiscope",)))
    assert app_key(SandboxOptions()) != app_key(SandboxOptions(credentials={"apprentiscope": ("t",)}))
    assert app_key(SandboxOptions()) != app_key(SandboxOptions(fixtures=(Path("x.yaml"),)))
