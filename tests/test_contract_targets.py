"""Contracts against an implementation by URL: a real sandbox server on 127.0.0.1, port 0."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from contracts import RunOptions, url_target, verify
from contracts.documents import READ_METHODS
from mockserver import Sandbox
from mockserver.cli import main

from .conftest import AUTH
from .contract_budget import few
from .vendor_fixtures import served_live

SAFE_PHASES = ("examples", "fuzzing", "stateful", "workflow")


# A sandbox served over a real socket (the tests are about targets reached by URL).
served, server = served_live("apprentiscope", journal_size=100_000)


def test_without_allow_writes_only_read_requests_reach_the_target(server: tuple[Sandbox, str]) -> None:
    sandbox, base_url = server
    result = verify(url_target("apprentiscope", base_url, headers=AUTH), RunOptions(max_examples=few()))
    assert result.ok, [f.describe() for f in result.failures]
    assert result.read_only
    assert {entry.method for entry in sandbox.journal.entries()} == {"GET"}
    assert {op.label.split()[0] for op in result.operations.values()} == {"GET"}


def test_with_credentials_and_allow_writes_the_run_passes_like_in_process(
    server: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = server
    target = url_target("apprentiscope", base_url, headers=AUTH, allow_writes=True)
    result = verify(target, RunOptions(max_examples=few(), phases=SAFE_PHASES))
    assert result.ok, [f.describe() for f in result.failures]
    assert not result.read_only
    assert {"POST", "PUT", "DELETE"} <= {entry.method for entry in sandbox.journal.entries()}
    assert {"createUser", "deleteGrade", "readUsers"} <= set(result.operations)


def test_wrong_credentials_fail_the_run(server: tuple[Sandbox, str]) -> None:
    _, base_url = server
    target = url_target("apprentiscope", base_url, headers={"Authorization": "not-the-token"})
    result = verify(target, RunOptions(max_examples=few(), phases=("workflow",)))
    assert not result.ok
    assert result.failed_operations() == {"readOccupations"}


def test_the_cli_says_a_url_run_is_read_only_and_writes_junit(
    server: tuple[Sandbox, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox, base_url = server
    report = tmp_path / "reports" / "contract.xml"
    argv = [
        "contract",
        "apprentiscope",
        "--base-url",
        base_url,
        "--header",
        f"Authorization: {AUTH['Authorization']}",
    ]
    code = main([*argv, "--max-examples", str(few()), "--phase", "examples", "--junit-xml", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    first_lines = out.splitlines()[:3]
    assert any("read-only" in line for line in first_lines), first_lines
    assert {entry.method for entry in sandbox.journal.entries()} <= READ_METHODS
    cases = ElementTree.parse(report).getroot().findall(".//testcase")
    assert cases
    assert all(case.get("name", "").split()[1].startswith("(GET") for case in cases)
    assert not ElementTree.parse(report).getroot().findall(".//failure")
