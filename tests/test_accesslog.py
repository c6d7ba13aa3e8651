"""The access log: one line per request, from the sandbox's own layer, the same on both servers."""

from __future__ import annotations

import io
import json
import re
import threading

import httpx
import pytest
from starlette.types import ASGIApp

from mockserver import Sandbox, create_app
from mockserver.accesslog import AccessLog, LogSettings, wants_colour
from mockserver.cli import build_parser
from mockserver.options import SERVERS
from mockserver.plugin import SandboxHandle
from mockserver.serve_command import log_settings
from mockserver.server import make_server
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY

from .vendor_fixtures import plain_gets

LINE = re.compile(
    r"^(?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d+|dropped) (?P<call>\S+) (?P<ms>\d+\.\d) ms$"
)


def _logged(app: Sandbox, *, format: str = "text", colour: bool = False) -> tuple[ASGIApp, io.StringIO]:
    """``app`` behind the access log as serve wires it, its lines kept."""
    stream = io.StringIO()
    return LogSettings(format=format, colour=colour, stream=stream).wrap(app), stream


@pytest.mark.parametrize("api", list(REGISTRY))
def test_each_request_makes_one_line_with_its_api_operation_status_and_time(
    api: str, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    layer, stream = _logged(sandbox)
    op = plain_gets(sandbox.contexts[api].index)[0]
    # The handle's client, authenticated the vendor's way, sending through the access log.
    made = sandbox_handle.client(api)
    with sync_client(layer, base_url=str(made.base_url), headers=made.headers, auth=made.auth) as client:
        response = client.get(op.path)
    lines = stream.getvalue().splitlines()
    # A vendor that logs in first (a token) made two requests: one line each, as in its journal.
    assert len(lines) == len(sandbox.journal.entries())
    found = LINE.match(lines[-1])
    assert found is not None, lines[-1]
    assert found["method"] == "GET"
    assert found["path"] == f"{sandbox.apis[api].prefix}{op.path}"
    assert int(found["status"]) == response.status_code == 200
    assert found["call"] == f"{api}.{op.id}"


def test_control_plane_and_unrouted_requests_are_logged_too(sandbox: Sandbox) -> None:
    layer, stream = _logged(sandbox)
    with sync_client(layer) as client:
        client.get("/__sandbox__/health")
        client.get("/nowhere")
    health, nowhere = stream.getvalue().splitlines()
    assert LINE.match(health)
    assert " 200 getHealth " in health
    assert LINE.match(nowhere)
    assert nowhere.startswith("GET /nowhere 404 - ")


def test_a_request_refused_before_routing_still_names_its_operation(sandbox: Sandbox) -> None:
    layer, stream = _logged(sandbox)
    with sync_client(layer) as client:
        # No key: DfE's gateway refuses it before anything behind it names the operation.
        client.get("/apprenticeships/vacancies/vacancy", headers={"X-Version": "1"})
        client.get("/apprentiscope/no-such-call")
    refused, unknown = stream.getvalue().splitlines()
    assert refused.startswith("GET /apprenticeships/vacancies/vacancy 401 dfe.getVacancies ")
    assert unknown.startswith("GET /apprentiscope/no-such-call 404 apprentiscope ")


def test_a_path_with_an_encoded_newline_stays_on_one_line(sandbox: Sandbox) -> None:
    layer, stream = _logged(sandbox)
    with sync_client(layer) as client:
        client.get("/apprentiscope/a%0Ab")
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("GET /apprentiscope/a\\nb ")


def test_json_lines_carry_the_same_fields(sandbox: Sandbox) -> None:
    layer, stream = _logged(sandbox, format="json")
    with sync_client(layer) as client:
        client.get(
            "/apprentiscope/read-occupations", headers={"Authorization": "sandbox-apprentiscope-token"}
        )
        client.get("/nowhere")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: first[k] for k in ("method", "path", "status", "api", "operation_id")} == {
        "method": "GET",
        "path": "/apprentiscope/read-occupations",
        "status": 200,
        "api": "apprentiscope",
        "operation_id": "readOccupations",
    }
    assert first["duration_ms"] >= 0
    assert first["time"].endswith("+00:00")
    assert (second["status"], second["api"], second["operation_id"]) == (404, None, None)


def test_a_line_names_the_session_of_a_call_made_in_one(sandbox: Sandbox) -> None:
    auth = {"Authorization": "sandbox-apprentiscope-token"}
    for format in ("text", "json"):
        layer, stream = _logged(sandbox, format=format)
        with sync_client(layer, headers=auth) as client:
            client.get("/apprentiscope/read-occupations", headers={"X-Sandbox-Session": "log-a"})
            client.get("/__session__/log-b/__sandbox__/health")
            client.get("/apprentiscope/read-occupations")
        lines = stream.getvalue().splitlines()
        if format == "json":
            assert [json.loads(line)["session"] for line in lines] == ["log-a", "log-b", None]
        else:
            assert [line.rpartition(" ms")[2] for line in lines] == [" session=log-a", " session=log-b", ""]
            assert LINE.match(lines[2])
    sandbox.sessions.close()


def test_status_is_coloured_by_class_only_when_asked(sandbox: Sandbox) -> None:
    coloured, stream = _logged(sandbox, colour=True)
    with sync_client(coloured) as client:
        client.get("/__sandbox__/health")
        client.get("/nowhere")
    ok, missing = stream.getvalue().splitlines()
    assert "\033[32m200\033[0m" in ok
    assert "\033[33m404\033[0m" in missing
    plain, stream = _logged(sandbox)
    with sync_client(plain) as client:
        client.get("/__sandbox__/health")
    assert "\033" not in stream.getvalue()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_is_wanted_on_a_terminal_unless_no_color_is_set() -> None:
    assert wants_colour(_Terminal(), {})
    assert not wants_colour(_Terminal(), {"NO_COLOR": "1"})
    assert not wants_colour(io.StringIO(), {})


def test_switched_off_the_layer_is_not_there_at_all(sandbox: Sandbox) -> None:
    assert LogSettings(access=False).wrap(sandbox) is sandbox
    assert isinstance(LogSettings(stream=io.StringIO()).wrap(sandbox), AccessLog)


def test_serve_flags_and_environment_choose_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LMS_SANDBOX_ACCESS_LOG", raising=False)
    monkeypatch.delenv("LMS_SANDBOX_LOG_FORMAT", raising=False)
    args = build_parser().parse_args(["serve", "--no-config"])
    assert (args.access_log, args.log_format) == (True, "text")
    args = build_parser().parse_args(["serve", "--no-config", "--no-access-log", "--log-format", "json"])
    assert (args.access_log, args.log_format) == (False, "json")
    monkeypatch.setenv("LMS_SANDBOX_ACCESS_LOG", "false")
    assert build_parser().parse_args(["serve", "--no-config"]).access_log is False
    monkeypatch.delenv("LMS_SANDBOX_ACCESS_LOG")
    # Access lines are info: quieted with the rest at warning and above.
    levels = {
        level: log_settings(build_parser().parse_args(["serve", "--no-config", "--log-level", level]))
        for level in ("debug", "info", "warning", "error")
    }
    assert {level: settings.access for level, settings in levels.items()} == {
        "debug": True,
        "info": True,
        "warning": False,
        "error": False,
    }
    assert (
        log_settings(build_parser().parse_args(["serve", "--no-config", "--log-format", "json"])).format
        == "json"
    )


@pytest.mark.parametrize("name", SERVERS)
def test_over_a_socket_each_request_is_one_line_and_the_servers_own_access_logs_are_off(
    name: str, capfd: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    app = create_app(apis=("apprentiscope",))
    server = make_server(
        app, port=0, server=name, log_level="info", log=LogSettings(stream=stream, colour=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert server.bound.wait(10)
        for _ in range(3):
            assert (
                httpx.get(f"http://127.0.0.1:{server.port}/__sandbox__/health", timeout=5).status_code == 200
            )
    finally:
        server.stop()
        thread.join(10)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("GET /__sandbox__/health 200 getHealth ") for line in lines)
    printed = capfd.readouterr()
    assert "/__sandbox__/health" not in printed.out + printed.err
