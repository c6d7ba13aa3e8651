"""The scale section: ``serve``'s throughput at 1 to 128 connections, and its memory after many creates.

Each part on a ``serve`` of its own, started fresh: the curve (wrk at each connection count on one read and
one create), then RSS before and after ``creates`` creates through the API (wrk stopping itself after that
many answers) and how many records the API then holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from mockserver.exposure import control_headers
from tests.bench import load, servers
from tests.bench.endpoints import RATE_LIMITS, Endpoint, Minter, discover
from tests.bench.tools import Tool

CONNECTIONS = (1, 8, 32, 128)
# One read and one create, neither needing a fresh token per request (the curve is the server's, not the
# minting's).
CURVE = ("ApprentiScope GET /read-user/{id}", "ApprentiScope POST /create-user")
MEMORY = "ApprentiScope POST /create-user"
# The longest a run of creates may take (wrk's -d): far beyond 100k creates at a few hundred a second.
MEMORY_CAP_SECONDS = 1800.0


def _tag(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10**9}x"


def curve(
    wrk: Tool,
    url: str,
    endpoints: Sequence[Endpoint],
    *,
    seconds: float,
    warmup: float,
    threads: int,
    connections: Sequence[int] = CONNECTIONS,
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Each endpoint at each connection count: a warm-up run, then the measured one."""
    points = []
    for endpoint in endpoints:
        shape = endpoint.sandbox_shape()
        for count in connections:
            if warmup > 0:
                load.run(wrk, url, shape, seconds=warmup, tag=_tag("w"), threads=threads, connections=count)
            run = load.run(
                wrk, url, shape, seconds=seconds, tag=_tag("c"), threads=threads, connections=count
            )
            say(
                f"bench: scale {endpoint.label:<36} -c{count:<4} {run.rps:9.0f} req/s  "
                f"p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms"
            )
            points.append(
                {
                    "endpoint": endpoint.label,
                    "connections": count,
                    "rps": run.rps,
                    "p50_ms": run.p50_ms,
                    "p99_ms": run.p99_ms,
                    "problem": run.problem(),
                }
            )
    return points


def _count(url: str, endpoint: Endpoint) -> int:
    state = httpx.get(f"{url}/__sandbox__/state/{endpoint.doc.api}", timeout=300, headers=control_headers())
    return len(state.json()["collections"][endpoint.creates])


def memory(
    wrk: Tool, server: servers.Server, endpoint: Endpoint, *, creates: int, connections: int, threads: int
) -> dict[str, Any]:
    """RSS of ``server`` before and after ``creates`` answers of ``endpoint``, and the records it added."""
    assert server.process is not None
    before_count = _count(server.url, endpoint)
    rss_before = servers.rss_mib(server.process.pid)
    run = load.run(
        wrk,
        server.url,
        endpoint.sandbox_shape(),
        seconds=MEMORY_CAP_SECONDS,
        tag=_tag("m"),
        threads=threads,
        connections=connections,
        limit=creates,
    )
    rss_after = servers.rss_mib(server.process.pid)
    return {
        "endpoint": endpoint.label,
        "creates": creates,
        "answered": run.requests,
        "bad": run.bad + run.socket_errors,
        "added": _count(server.url, endpoint) - before_count,
        "seconds": run.seconds,
        "rate": run.rps,
        "connections": connections,
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_after,
    }


def measure(
    wrk: Tool,
    work: Path,
    *,
    seconds: float,
    warmup: float,
    threads: int,
    creates: int,
    connections: int,
    server: str | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The whole section: the curve on one fresh ``serve``, the memory run on another (on ``server``)."""
    minter = Minter()
    with servers.sandbox(RATE_LIMITS, log=work / "sandbox-scale.log", server=server).start() as own:
        with httpx.Client(base_url=own.url, timeout=10) as client:
            found = {e.label: e for e in discover(client, minter)}
        points = curve(
            wrk, own.url, [found[label] for label in CURVE], seconds=seconds, warmup=warmup, threads=threads,
            say=say,
        )  # fmt: skip
    result: dict[str, Any] = {"seconds": seconds, "warmup": warmup, "points": points}
    if creates > 0:
        say(f"bench: scale {creates:,} creates through the API, RSS of serve before and after")
        with servers.sandbox(RATE_LIMITS, log=work / "sandbox-memory.log", server=server).start() as own:
            with httpx.Client(base_url=own.url, timeout=10) as client:
                # Every API served once (discovery calls each), so "before" is a serve in use, not one idle.
                found = {e.label: e for e in discover(client, minter)}
            result["memory"] = memory(
                wrk, own, found[MEMORY], creates=creates, connections=connections, threads=threads
            )
    return result


def _num(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def table(scale: dict[str, Any]) -> list[str]:
    """The curve (one line per endpoint and connection count) and the memory line, in Markdown."""
    lines = [
        f"Scale: `serve` at 1 to 128 connections (wrk -t1, {scale['seconds']:g} s each after "
        f"{scale['warmup']:g} s of warm-up, a fresh `serve`):",
        "",
        "| endpoint | connections | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for point in scale["points"]:
        rps = _num(point["rps"]) if not point["problem"] else f"INVALID ({point['problem']})"
        lines.append(
            f"| {point['endpoint']} | {point['connections']} | {rps} "
            f"| {_num(point['p50_ms'], 1)} | {_num(point['p99_ms'], 1)} |"
        )
    mem = scale.get("memory")
    if mem:
        growth = mem["rss_after_mib"] - mem["rss_before_mib"]
        per_record = growth * 1024 / mem["added"] if mem["added"] > 0 else 0.0
        before, after = mem["rss_before_mib"], mem["rss_after_mib"]
        lines += [
            "",
            f"- RSS of `serve` over {mem['creates']:,} creates ({mem['endpoint']}, "
            f"wrk -c{mem['connections']}, another fresh `serve`): {before:.0f} MiB before, {after:.0f} MiB "
            f"after (+{growth:.0f} MiB, {per_record:.1f} KiB a record); {mem['added']:,} records added, "
            f"{mem['answered']:,} answers ({mem['bad']:,} not 2xx) in {mem['seconds']:.0f} s: "
            f"{_num(mem['rate'])} creates/s",
        ]
    return lines
