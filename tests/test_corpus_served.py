"""The corpus's framing and oversized cases over a real socket, to one ``serve`` on 127.0.0.1 and port 0:
no answer >= 500, nothing left unanswered but framing a server may close on, no traceback in the server's
log, every export valid, and the request-target limits answered by the sandbox (414 in the API's body).

``serve`` runs on its default server (Granian); the request-target limits are also checked on uvicorn.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from contracts.fuzz import ServedSandbox, tracebacks
from contracts.fuzz.corpus import CorpusResult, run
from contracts.fuzz.hostile import CONTROL, framing, size_cases, surface
from contracts.fuzz.server import HOST
from contracts.fuzz.wire import Probe, socket_sender
from mockserver._granian import PARSER_TARGET_MAX
from mockserver.options import DEFAULT_SERVER, SERVERS
from mockserver.vendors import get_vendor, vendor_names


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSandbox]:
    log = tmp_path_factory.mktemp("corpus") / "server.log"
    with ServedSandbox(log) as server:
        yield server


def _framing_and_sizes(api: str) -> list[Probe]:
    return [*size_cases(surface(api)), *framing(api)]


@pytest.fixture(scope="module")
def served_by(
    served: ServedSandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServedSandbox]]:
    """``serve`` on each server: the default one above, the other started here."""
    (other,) = set(SERVERS) - {DEFAULT_SERVER}
    with ServedSandbox(tmp_path_factory.mktemp("corpus") / f"{other}.log", server=other) as second:
        yield {DEFAULT_SERVER: served, other: second}


@pytest.fixture(scope="module")
def result(served: ServedSandbox) -> CorpusResult:
    return run(vendor_names(), socket_sender(HOST, served.port), probes=_framing_and_sizes)


def test_framing_and_oversized_requests_get_no_server_error(result: CorpusResult) -> None:
    assert result.ok, [finding.describe()[:300] for finding in result.findings] + list(
        result.exports.values()
    )
    assert set(result.statuses) == {*vendor_names(), CONTROL}


def test_the_servers_log_holds_no_traceback(result: CorpusResult, served: ServedSandbox) -> None:
    assert served.alive()
    found = tracebacks(served.log.read_text(errors="replace"))
    assert not found, [tb.describe() for tb in found]


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("api", [*vendor_names(), CONTROL])
@pytest.mark.parametrize(
    ("case", "size"),
    [("query", 1024 * 1024), ("path", 100 * 1024), ("query", 48 * 1024), ("path", 32 * 1024)],
)
def test_a_long_request_target_is_a_414_in_the_apis_own_body(
    api: str, case: str, size: int, server: str, served_by: dict[str, ServedSandbox]
) -> None:
    aimed = surface(api)
    target = f"{aimed.prefix}/x?q={'a' * size}" if case == "query" else f"{aimed.prefix}/{'a' * size}"
    answer = socket_sender(HOST, served_by[server].port)(Probe(api, case, "GET", target.encode()))
    assert answer.status == 414, answer.body[:200]
    if server == "granian" and len(target) > PARSER_TARGET_MAX:
        # Granian's parser (hyper) refuses a target over 64 KiB itself, before the sandbox sees it:
        # the right status, without the API's body (README: serve's --server).
        assert answer.body == b""
        return
    body = orjson.loads(answer.body)
    if api == CONTROL:
        assert answer.headers["content-type"] == "application/problem+json"
    else:
        # The API's own error body (DfE: its gateway's, for a request no document took).
        vendor = get_vendor(api)
        from mockserver.vendors import load

        expected = load(vendor.edge_errors or vendor.errors)(414, "x")
        assert set(body) == set(expected)


def test_http_1_0_is_answered(served: ServedSandbox) -> None:
    raw = b"GET /__sandbox__/health HTTP/1.0\r\n\r\n"
    answer = socket_sender(HOST, served.port)(Probe(CONTROL, "1.0", "GET", b"", raw=raw))
    assert answer.status == 200
    assert orjson.loads(answer.body)["status"] == "ok"


def test_the_log_file_is_where_the_server_wrote(served: ServedSandbox, tmp_path: Path) -> None:
    assert "lms-sandbox serving on" in served.log.read_text()


@pytest.mark.parametrize("server", SERVERS)
def test_a_big_header_is_a_431_in_the_apis_own_body(server: str, served_by: dict[str, ServedSandbox]) -> None:
    aimed = surface("apprentiscope")
    probe = Probe("apprentiscope", "header", "GET", f"{aimed.prefix}/x".encode(), ((b"X-Big", b"a" * 65536),))
    answer = socket_sender(HOST, served_by[server].port)(probe)
    assert answer.status == 431, answer.body[:200]
    assert "x-big" in orjson.loads(answer.body)["message"]
