"""The bench's pure helpers: reading wrk's summary and writing its request script (no load, no timing)."""

from __future__ import annotations

import json

import pytest

from tests.bench.load import MARK, Shape, lua_script, parse

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
