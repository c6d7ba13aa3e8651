from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from mockserver import create_app
from mockserver.cli import build_parser, env_bool, main, options_from_args
from mockserver.options import SERVERS
from mockserver.server import banner, make_server


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "serve" in out
    assert "lint-specs" in out
    assert "apprentiscope" in out


def test_parsing_serve_leaves_the_contract_runners_unimported() -> None:
    # contract and fuzz bring Schemathesis; their runners' modules configure them only when named.
    code = (
        "import sys; from mockserver.cli import build_parser; build_parser().parse_args(['serve']); "
        "print('schemathesis' in sys.modules, 'contracts' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
    args = build_parser().parse_args(["fuzz", "--api", "absorb"])
    assert (args.handler.__module__, args.apis) == ("contracts.fuzz.command", ["absorb"])


# What each command's --help must mention: every option (and the defaults a reader needs).
HELP = {
    "serve": (
        "--host",
        "--port",
        "--seed",
        "--api",
        "--root",
        "--fixture",
        "--credential",
        "--validate-responses",
        "--state-file",
        "--state-sync",
        "LMS_SANDBOX_STATE_SYNC",
        "127.0.0.1",
        "--config",
        "--no-config",
        "--print-config",
        "--journal-size",
        "--log-format",
        "--no-access-log",
        "lms-sandbox.toml",
        "Precedence:",
    ),
    "contract": (
        "--base-url",
        "--header",
        "--allow-writes",
        "--junit-xml",
        "--max-examples",
        "--seed",
        "apprentiscope",
    ),
    "fuzz": (
        "--budget",
        "--api",
        "--phase",
        "--max-examples",
        "--seed",
        "--fault",
        "--log",
        "--json",
        "50000",
    ),
}


@pytest.mark.parametrize("command", list(HELP))
def test_help_explains_every_option(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    for option in HELP[command]:
        assert option in out


def test_serve_defaults_bind_loopback_port_8000(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "LMS_SANDBOX_HOST",
        "LMS_SANDBOX_PORT",
        "LMS_SANDBOX_SEED",
        "LMS_SANDBOX_VALIDATE_RESPONSES",
    ):
        monkeypatch.delenv(name, raising=False)
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.seed) == ("127.0.0.1", 8000, 0)
    assert options_from_args(args).apis == ()


def test_serve_options_become_sandbox_options() -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--seed",
            "7",
            "--api",
            "apprentiscope",
            "--root",
            "--credential",
            "apprentiscope=a",
            "--credential",
            "apprentiscope=b",
            "--fixture",
            "x.yaml",
            "--validate-responses",
        ]
    )
    options = options_from_args(args)
    assert options.seed == 7
    assert options.apis == ("apprentiscope",)
    assert options.root
    assert options.credentials["apprentiscope"] == ("a", "b")
    assert options.fixtures == (Path("x.yaml"),)
    assert options.validate_responses


def test_unknown_api_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--api", "absorbb"])
    assert "invalid choice" in capsys.readouterr().err


def test_bad_credential_syntax_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--credential", "just-a-token"])
    assert "API=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("false", False), ("0", False), ("no", False), ("", False)],
)
def test_env_bool_parses_real_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", default=not expected) is expected


def test_env_bool_refuses_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(SystemExit, match="not a boolean"):
        env_bool("X_FLAG")


def test_lint_specs_passes_on_the_bundled_specs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint-specs"]) == 0
    out = capsys.readouterr().out
    assert "ok   apprentiscope.yaml" in out
    assert "ok   sandbox.yaml" in out


def test_lint_specs_fails_on_a_broken_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses: {'200': {description: ok}}\n"
    )
    assert main(["lint-specs", str(tmp_path)]) == 1
    assert "no operationId" in capsys.readouterr().out


BANNERS = {
    "apprentiscope": [
        "http://127.0.0.1:8000/apprentiscope",
        "http://127.0.0.1:8000/apprentiscope/ui/",
        "Authorization: sandbox-apprentiscope-token",
        "/__sandbox__",
    ],
    # DfE: each of its documents, and the key header.
    "dfe": [
        "UK Apprenticeship Service (DfE)",
        "http://127.0.0.1:8000/apprenticeships/ui/",
        "Ocp-Apim-Subscription-Key: sandbox-subscription-key",
        "http://127.0.0.1:8000/apprenticeships/vacancies/ui/",
        "http://127.0.0.1:8000/apprenticeships/vacancies/openapi.json",
    ],
}


@pytest.mark.parametrize(("api", "lines"), BANNERS.items(), ids=list(BANNERS))
def test_banner_names_urls_docs_and_credentials(api: str, lines: list[str]) -> None:
    text = banner(create_app(apis=(api,)), "http://127.0.0.1:8000")
    assert [line for line in lines if line not in text] == []


@pytest.mark.parametrize("name", SERVERS)
def test_server_binds_loopback_on_a_free_port_and_stops(name: str) -> None:
    server = make_server(create_app(apis=("apprentiscope",)), port=0, server=name)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert server.bound.wait(10)
        assert server.host == "127.0.0.1"
        response = httpx.get(f"http://127.0.0.1:{server.port}/__sandbox__/health", timeout=5)
        assert response.json()["status"] == "ok"
    finally:
        server.stop()
        thread.join(10)
    assert not thread.is_alive()


def test_serve_runs_on_granian_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LMS_SANDBOX_SERVER", raising=False)
    assert build_parser().parse_args(["serve"]).server == "granian"
    assert build_parser().parse_args(["serve", "--server", "uvicorn"]).server == "uvicorn"
    monkeypatch.setenv("LMS_SANDBOX_SERVER", "uvicorn")
    assert build_parser().parse_args(["serve"]).server == "uvicorn"
    monkeypatch.setenv("LMS_SANDBOX_SERVER", "nginx")
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve"])
    assert exit_info.value.code == 2
    assert "LMS_SANDBOX_SERVER: 'nginx' is not one of granian, uvicorn" in capsys.readouterr().err


def test_contract_auth_status_and_the_auth_phase_reach_the_run_options() -> None:
    from contracts.command import _options
    from mockserver.cli import build_parser

    args = build_parser().parse_args(
        ["contract", "absorb", "--phase", "examples", "--phase", "auth", "--auth-status", "403"]
    )
    options = _options(args)
    assert options.phases == ("examples", "auth")
    assert options.auth_status == 403
