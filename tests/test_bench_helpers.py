"""The bench's pure helpers: wrk's summary, its request script, the table and the target lines."""

from __future__ import annotations

import json

import pytest

from tests.bench.load import MARK, Shape, WrkResult, lua_script, parse
from tests.bench.report import Row, table, targets

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
    results = {"startup": {"ready": {"a": 0.4, "b": 0.9}, "all_ready": 0.9, "rss_mib": 120.0}}

    verdicts = {figure.split(" ")[0]: met for figure, _target, met in targets(rows, results)}

    assert verdicts == {"P1": False, "P2": False, "validation": None, "state": None, "P3": True, "P4": False}


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
