"""The bench's pure helpers: wrk's summary, its request script, the table and the target lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.testing import sync_client
from tests.bench import floor
from tests.bench.load import LIMIT_MARK, MARK, Shape, WrkResult, lua_script, parse
from tests.bench.report import Row, floor_lines, table, targets
from tests.bench.scale import table as scale_table

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:40123
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.01ms    2.00ms  40.00ms   90.00%
  2000 requests in 2.00s, 1.00MB read
  Non-2xx or 3xx responses: 30
Requests/sec:   1000.00
Transfer/sec:    512.00KB
BENCH-JSON {"requests": 2000, "duration_us": 2000000, "bad": 30, "socket_errors": 0, \
"p50_us": 9500, "p99_us": 31250}
"""


def test_wrk_summary_gives_rate_and_percentiles_in_ms() -> None:
    result = parse(WRK_OUTPUT)

    assert (result.requests, result.rps, result.p50_ms, result.p99_ms) == (2000, 1000.0, 9.5, 31.25)


def test_run_with_more_than_one_percent_refused_answers_is_invalid() -> None:
    assert parse(WRK_OUTPUT).problem() == "30 of 2000 answers were not 2xx/3xx and 0 socket errors"
    good = parse(WRK_OUTPUT.replace('"bad": 30', '"bad": 20'))
    assert good.valid
    assert good.problem() == ""


def test_output_without_the_summary_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="no summary line"):
        parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_script_quotes_bodies_and_marks_its_summary_line() -> None:
    body = json.dumps({"name": 'Bench "{n}"', "city": "Zürich"}, ensure_ascii=False)
    script = lua_script(Shape("POST", "/create?x={n}", {"Authorization": "t"}, body), tag="r1x")

    assert f'"POST", "/create?x={{n}}", {json.dumps(body, ensure_ascii=False)}, "r1x"' in script
    assert '["Authorization"] = "t"' in script
    assert MARK in script


def test_table_shows_ratios_of_valid_runs_and_marks_invalid_ones() -> None:
    sandbox = parse(WRK_OUTPUT.replace('"bad": 30', '"bad": 0'))
    prism = parse(WRK_OUTPUT.replace('"requests": 2000', '"requests": 500').replace('"bad": 30', '"bad": 0'))
    refused = parse(WRK_OUTPUT)
    row = Row("GET /thing", "one", runs={"sandbox": sandbox, "prism": prism, "validating": refused})

    [line] = table([row])[2:]

    assert "| GET /thing | 1,000 | 250 | 4.00 |" in line
    assert "INVALID (30 of 2000 answers were not 2xx/3xx and 0 socket errors)" in line


def test_target_lines_say_met_only_when_the_figure_is_within_the_target() -> None:
    fast = parse(WRK_OUTPUT.replace('"bad": 30', '"bad": 0'))
    slow = parse(WRK_OUTPUT.replace('"requests": 2000', '"requests": 1500').replace('"bad": 30', '"bad": 0'))
    rows = [Row("GET /thing", "one", runs={"sandbox": slow, "prism": fast})]
    startup = {"ready": {"a": 0.4, "b": 0.9}, "all_ready": 0.9, "cold_ready": 0.95, "rss_mib": 120.0}

    verdicts = {figure.split(" ")[0]: met for figure, _target, met in targets(rows, {"startup": startup})}

    assert verdicts == {
        "P1": False,
        "P2": False,
        "validation": None,
        "state": None,
        "P1*": None,
        "P3": True,
        "P4": False,
    }


def _answered(requests: int) -> WrkResult:
    return parse(
        WRK_OUTPUT.replace('"requests": 2000', f'"requests": {requests}').replace('"bad": 30', '"bad": 0')
    )


@pytest.mark.parametrize(("requests", "met"), [(1800, True), (1600, False)])
def test_the_state_file_target_compares_creates_with_and_without_it(requests: int, met: bool) -> None:
    without = _answered(2000)
    # A read slowed far more does not count: the target is about creates.
    rows = [
        Row("POST /create", "one", "users", runs={"sandbox": without, "durable": _answered(requests)}),
        Row("POST /read", "one", runs={"sandbox": without, "durable": _answered(100)}),
    ]

    [line] = [t for t in targets(rows, {}) if t[0].startswith("state file")]

    ratio = f"{requests / 2000:.2f}"
    assert line == (
        f"state file: creates with/without --state-file, worst {ratio} (POST /create)",
        ">= 0.85",
        met,
    )
    assert f"| {requests // 2:,} | {ratio} |" in table(rows)[2]


def _run(rps: float, p99_ms: float = 5.0) -> WrkResult:
    return WrkResult(requests=int(rps * 10), seconds=10.0, bad=0, socket_errors=0, p50_ms=1.0, p99_ms=p99_ms)


def _line(rows: list[Row], results: dict[str, Any], name: str) -> tuple[str, str, bool | None]:
    [line] = [t for t in targets(rows, results) if t[0].split(" ")[0] == name]
    return line


@pytest.mark.parametrize(("peer", "name", "low"), [("prism", "P1", 1500.0), ("wiremock", "P1*", 2500.0)])
def test_ratio_targets_hold_on_every_endpoint_and_name_the_ones_below(
    peer: str, name: str, low: float
) -> None:
    # sandbox 1000 req/s: 2x Prism needs Prism <= 500; half of WireMock needs WireMock <= 2000.
    fine = 400.0 if peer == "prism" else 1900.0
    rows = [
        Row("GET /fast", "one", runs={"sandbox": _run(1000), peer: _run(fine)}),
        Row("GET /slow", "one", runs={"sandbox": _run(1000), peer: _run(low)}),
    ]

    figure, _target, met = _line(rows, {}, name)

    assert met is False
    assert "below: GET /slow" in figure
    assert "GET /fast" not in figure
    assert _line(rows[:1], {}, name)[2] is True


def test_the_floor_line_names_the_endpoints_whose_p1_bar_is_above_connexions_floor() -> None:
    # 2x Prism: 1,600 req/s on /low (floor 2,000: reachable), 3,000 on /high (floor 2,000: out of reach).
    rows = [
        Row("GET /low", "one", runs={"prism": _run(800), "floor": _run(2000)}),
        Row("GET /high", "one", runs={"prism": _run(1500), "floor": _run(2000)}),
        Row("GET /unmeasured", "one", runs={"prism": _run(5000)}),
    ]

    line, p99 = floor_lines(rows)

    assert "above it on 1 of 2 endpoints" in line
    assert "GET /high (bar 3,000, floor 2,000 req/s)" in line
    assert "GET /low" not in line
    assert "below the floor on all 1 endpoints" in floor_lines(rows[:1])[0]
    assert p99 == "- Connexion's floor p99: 5-5 ms (P2 asks <= 10 ms of the sandbox)"
    assert floor_lines(rows[2:]) == []


def test_the_floor_serves_each_route_with_stock_connexion_and_a_constant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(
        json.dumps([["GET", "/api/items/7?page=2"], ["POST", "/api/items/7"], ["GET", "/other"]])
    )
    monkeypatch.setenv(floor.ROUTES_ENV, str(routes))

    with sync_client(floor.application()) as client:
        answers = [
            client.get("/api/items/7", params={"page": 2}),
            client.post("/api/items/7", json={"anything": [1, 2]}),
            client.get("/other"),
        ]
        missing = client.get("/api/items/8")

    assert [(a.status_code, a.json()) for a in answers] == [(200, {"ok": True})] * 3
    assert missing.status_code == 404
    paths = floor.document([("GET", "/a?x=1"), ("GET", "/a"), ("PUT", "/a")])["paths"]
    assert list(paths) == ["/a"]
    assert sorted(paths["/a"]) == ["get", "put"]
    assert "requestBody" in paths["/a"]["put"]
    assert "requestBody" not in paths["/a"]["get"]


def test_p2_holds_a_list_to_its_own_limit_and_counts_only_at_32_connections() -> None:
    rows = [
        Row("GET /one", "one", runs={"sandbox": _run(1000, p99_ms=9.0)}),
        Row("GET /many", "list", runs={"sandbox": _run(1000, p99_ms=14.0)}),
    ]
    assert _line(rows, {}, "P2")[2] is True
    assert _line(rows, {"connections": 8}, "P2")[2] is None

    over = [Row("GET /one", "one", runs={"sandbox": _run(1000, p99_ms=11.0)}), rows[1]]
    figure, _target, met = _line(over, {}, "P2")

    assert met is False
    assert "over: GET /one 11 ms" in figure
    assert "GET /many" not in figure.split("over:")[1]


@pytest.mark.parametrize(("warm", "cold", "met"), [(0.9, 0.95, True), (0.8, 1.2, False), (1.1, 0.9, False)])
def test_p3_needs_every_api_ready_in_time_warm_and_cold(warm: float, cold: float, met: bool) -> None:
    startup = {"ready": {"a": warm}, "all_ready": warm, "cold_ready": cold, "cold_last": "a", "rss_mib": 90.0}

    assert _line([], {"startup": startup}, "P3")[2] is met


def test_p9_checks_reads_and_creates_against_their_own_limits_on_every_api() -> None:
    # A create at 0.65 ms is within its 0.7 ms though over a read's 0.5; an API without a create is left out.
    calls = {"a": {"read": 0.4, "create": 0.65}, "b": {"read": 0.45}}
    assert [line[2] for line in targets([], {"inprocess": calls}) if line[0].startswith("P9")] == [True, True]

    slow = {"a": {"read": 0.4, "read_cpu": 0.3, "create": 0.75}, "b": {"read": 0.55, "read_cpu": 0.45}}
    lines = [line for line in targets([], {"inprocess": slow}) if line[0].startswith("P9")]

    assert [line[2] for line in lines] == [False, False]
    assert "a 0.40 (CPU 0.30), b 0.55 (CPU 0.45)" in lines[0][0]
    assert "a 0.75, " not in lines[1][0]
    assert lines[1][0].endswith("a 0.75")


def test_s1_checks_the_memory_per_session_against_its_limit() -> None:
    opened = {
        "count": 1000,
        "rss_before_mib": 90.0,
        "rss_after_mib": 240.0,
        "first_read_ms": 1.5,
        "later_read_ms": 0.6,
        "estimate_bytes": 61440,
        "per_session_kib": 153.6,
    }
    (line,) = [line for line in targets([], {"sessions": opened}) if line[0].startswith("S1")]
    assert line[2] is True
    assert "154 KiB per session" in line[0]
    assert "first read p50 1.50 ms" in line[0]
    heavy = {**opened, "rss_after_mib": 400.0}
    assert [line[2] for line in targets([], {"sessions": heavy}) if line[0].startswith("S1")] == [False]


def test_scale_table_shows_the_curve_and_the_memory_line() -> None:
    point = {"endpoint": "GET /thing", "rps": 1234.5, "p50_ms": 0.84, "p99_ms": 12.0, "problem": ""}
    scale = {
        "seconds": 3,
        "warmup": 1,
        "points": [
            {**point, "connections": 1},
            {**point, "connections": 128, "problem": "no request completed"},
        ],
        "memory": {
            "endpoint": "POST /thing",
            "creates": 100_000,
            "answered": 100_000,
            "bad": 0,
            "added": 100_010,
            "seconds": 50.0,
            "rate": 2000.0,
            "connections": 32,
            "rss_before_mib": 90.0,
            "rss_after_mib": 290.0,
        },
    }

    lines = scale_table(scale)

    assert "| GET /thing | 1 | 1,234 | 0.8 | 12.0 |" in lines
    assert "| GET /thing | 128 | INVALID (no request completed) | 0.8 | 12.0 |" in lines
    assert "90 MiB before, 290 MiB after (+200 MiB, 2.0 KiB a record); 100,010 records added" in lines[-1]
    assert "2,000 creates/s" in lines[-1]


def test_script_with_a_limit_stops_after_that_many_answers_and_says_so() -> None:
    shape = Shape("GET", "/thing", {})

    limited = lua_script(shape, tag="r1x", limit=500)

    assert "if answered == 500 then" in limited
    assert LIMIT_MARK in limited
    assert "response = function" not in lua_script(shape, tag="r1x")
