"""``lms-sandbox coverage`` against a real ``serve`` on port 0 (a control token, as when exposed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.cli import main
from mockserver.exposure import CONTROL_TOKEN_ENV, TOKEN_HEADER
from mockserver.sessions import HEADER

from .conftest import AUTH
from .serve_process import serve_process

TOKEN = "coverage-test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    argv = ("--port", "0", "--api", "apprentiscope", "--control-token", TOKEN, "--log-level", "warning")
    with serve_process(*argv, without=(CONTROL_TOKEN_ENV,)) as (url, _lines, _process):
        with httpx.Client(base_url=url, timeout=10) as client:
            client.get("/apprentiscope/read-users/apprentice", headers=AUTH).raise_for_status()
            # Opening a session takes the control token (an exposed sandbox's); using it, not.
            opening = {**AUTH, HEADER: "ci-run", TOKEN_HEADER: TOKEN}
            client.get("/apprentiscope/read-users/apprentice", headers=opening).raise_for_status()
            client.get("/apprentiscope/read-users/apprentice", headers={HEADER: "ci-run"})
        yield url


def _listed(report: dict[str, object]) -> dict[str, object]:
    (api,) = report["apis"]  # type: ignore[misc]
    return next(o for o in api["operation_list"] if o["id"] == "readUsers")  # type: ignore[no-any-return]


def test_coverage_prints_the_default_sessions_report_as_json(
    served: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    assert main(["coverage", "--url", served, "--format", "json", "--token", TOKEN]) == 0
    listed = _listed(json.loads(capsys.readouterr().out))
    assert listed["statuses_seen"] == {"200": 1}


def test_coverage_of_a_session_and_to_a_file(
    served: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONTROL_TOKEN_ENV, TOKEN)
    assert main(["coverage", "--url", served, "--session", "ci-run", "--format", "json"]) == 0
    assert _listed(json.loads(capsys.readouterr().out))["statuses_seen"] == {"200": 1, "401": 1}
    page = tmp_path / "coverage.html"
    assert (
        main(["coverage", "--url", served, "--session", "ci-run", "--format", "html", "--output", str(page)])
        == 0
    )
    assert page.read_text().startswith("<!doctype html>")
    assert "readUsers" in page.read_text()
    assert main(["coverage", "--url", served]) == 0
    assert "apprentiscope: operations 1/" in capsys.readouterr().out


def test_coverage_says_why_without_the_token_or_without_a_server(
    served: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    assert main(["coverage", "--url", served]) == 2
    assert "answered 401" in capsys.readouterr().err
    assert main(["coverage", "--url", "http://127.0.0.1:9"]) == 2
    assert "is 'lms-sandbox serve' running there?" in capsys.readouterr().err
