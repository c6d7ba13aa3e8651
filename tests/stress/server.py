"""``lms-sandbox serve`` for a stress run: the fuzz driver's child server (``contracts.fuzz.server``),
every documented rate limit raised, its output in one log read for tracebacks afterwards."""

from __future__ import annotations

from pathlib import Path

from contracts.fuzz import serverlog
from contracts.fuzz.server import ServedSandbox
from tests.bench.servers import rss_mib as bench_rss_mib


def start(work: Path, apis: list[str] | None = None) -> ServedSandbox:
    """Start ``serve`` with its output in ``work``; returns once its banner names the bound port."""
    return ServedSandbox(log=work / "serve.log", apis=tuple(apis or ())).start()


def rss_mib(served: ServedSandbox) -> float | None:
    """The server's resident memory from /proc, in MiB (None where there is no /proc)."""
    if served.process is None:
        return None
    try:
        return bench_rss_mib(served.process.pid)
    except (OSError, RuntimeError):
        return None


def stop(served: ServedSandbox) -> str:
    """Stop the server; its log, for a look for tracebacks."""
    served.stop()
    return served.log.read_text(errors="replace")


def tracebacks(log: str) -> list[str]:
    """The distinct tracebacks in a server log, each as its last line (the exception)."""
    return [found.exception for found in serverlog.tracebacks(log)]
