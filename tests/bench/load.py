"""Load with wrk: a Lua script per request shape, and its summary parsed into numbers.

The script makes each request unique where it must be (``{n}`` in the path or body becomes a run tag and a
counter, so creates really create), hands out one pre-minted token per request where the vendor wants a
fresh one, and prints its own summary line (requests, non-2xx/3xx, socket errors, latency percentiles).
"""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.bench.tools import Tool

MARK = "BENCH-JSON "
# A run is valid when nearly all of its answers are 2xx: a load of 4xx/429s measures refusals.
MAX_BAD_SHARE = 0.01
# What the script prints once a run with a limit has had its answers (the driver then stops wrk).
LIMIT_MARK = "BENCH-LIMIT"


@dataclass(frozen=True)
class Shape:
    """One benchmarked request: ``{n}`` in ``path`` or ``body`` becomes unique per request."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: str = ""
    token_header: str = ""
    token_prefix: str = ""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    bad: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def valid(self) -> bool:
        return self.requests > 0 and (self.bad + self.socket_errors) <= MAX_BAD_SHARE * self.requests

    def problem(self) -> str:
        """Why the run does not count, or ''."""
        if self.valid:
            return ""
        return (
            f"{self.bad} of {self.requests} answers were not 2xx/3xx and {self.socket_errors} socket errors"
            if self.requests
            else "no request completed"
        )


def _lua(text: str) -> str:
    # JSON's string escapes (\" \\ \n \t) are Lua's too; non-ASCII stays raw bytes, which Lua takes.
    return json.dumps(text, ensure_ascii=False)


def _limit_lua(limit: int) -> str:
    """Lua counting the answers: at ``limit`` it stops its thread and tells the driver (wrk has no -n)."""
    if limit <= 0:
        return ""  # no response() callback: wrk then skips handing every answer to Lua
    return f"""
local answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if answered == {limit} then
    io.write("{LIMIT_MARK}\\n")
    io.flush()
    wrk.thread:stop()
  end
end
"""


def lua_script(shape: Shape, tag: str, tokens: Path | None = None, limit: int = 0) -> str:
    """The wrk script sending ``shape``; ``tag`` keeps ``{n}`` unique across wrk runs; with ``limit``,
    the run ends after that many answers."""
    headers = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in shape.headers.items())
    return f"""
local method, path, body, tag = {_lua(shape.method)}, {_lua(shape.path)}, {_lua(shape.body)}, {_lua(tag)}
local headers = {{{headers}}}
local token_header, token_prefix = {_lua(shape.token_header)}, {_lua(shape.token_prefix)}
local tokens = {{}}
local tokens_file = {_lua(str(tokens) if tokens else "")}
if tokens_file ~= "" then
  for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
end
local counter = 0

request = function()
  counter = counter + 1
  local unique = tag .. counter
  local p = (string.gsub(path, "{{n}}", unique))
  local b = nil
  if body ~= "" then b = (string.gsub(body, "{{n}}", unique)) end
  if #tokens > 0 then
    headers[token_header] = token_prefix .. tokens[((counter - 1) % #tokens) + 1]
  end
  return wrk.format(method, p, headers, b)
end
{_limit_lua(limit)}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{MARK}{{"requests": %d, "duration_us": %d, "bad": %d, "socket_errors": %d, '
      .. '"p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def parse(output: str) -> WrkResult:
    """The numbers in wrk's output (the script's summary line)."""
    for line in output.splitlines():
        if line.startswith(MARK):
            data = json.loads(line.removeprefix(MARK))
            return WrkResult(
                requests=int(data["requests"]),
                seconds=int(data["duration_us"]) / 1e6,
                bad=int(data["bad"]),
                socket_errors=int(data["socket_errors"]),
                p50_ms=int(data["p50_us"]) / 1000,
                p99_ms=int(data["p99_us"]) / 1000,
            )
    raise ValueError(f"wrk printed no summary line; its output was: {output.strip()[-500:]!r}")


def run(
    wrk: Tool,
    base_url: str,
    shape: Shape,
    *,
    seconds: float,
    tag: str,
    threads: int = 1,
    connections: int = 32,
    tokens: Path | None = None,
    limit: int = 0,
) -> WrkResult:
    """wrk ``-t{threads} -c{connections}`` against ``base_url`` for ``seconds``; with ``limit``, until
    that many answers came (``seconds`` then bounds the run)."""
    per_thread = -(-limit // threads) if limit > 0 else 0
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(shape, tag, tokens, per_thread))
    try:
        argv = [
            *wrk.argv,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            script.name,
            base_url,
        ]
        if per_thread:
            return parse(_until_limit(argv, wrk, threads, seconds + 60))
        done = subprocess.run(
            argv, capture_output=True, text=True, env=wrk.environ(), timeout=seconds + 60, check=False
        )
    finally:
        Path(script.name).unlink()
    return parse(done.stdout + done.stderr)


def _until_limit(argv: list[str], wrk: Tool, threads: int, timeout: float) -> str:
    """Run wrk until each of its threads printed the limit line, then end it the way Ctrl-C does (wrk
    sleeps out its whole -d otherwise); its summary and duration then cover the run so far."""
    output = []
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=wrk.environ()
    ) as process:
        assert process.stdout is not None
        reached = 0
        for line in process.stdout:
            output.append(line)
            if line.strip() == LIMIT_MARK:
                reached += 1
                if reached == threads:
                    process.send_signal(signal.SIGINT)
        process.wait(timeout)
    return "".join(output)
