"""``lms-sandbox serve`` for a stress run: the fuzz driver's child server (``contracts.fuzz.server``),
every documented rate limit raised, its output in one log read for tracebacks afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.fuzz import serverlog
from contracts.fuzz.server import ServedSandbox


@dataclass
class Serve:
    """A running ``serve``: its URL and its log; stopped by its own process id."""

    sandbox: ServedSandbox

    @property
    def url(self) -> str:
        return self.sandbox.url

    @property
    def stderr(self) -> Path:
        """The server's output (stdout and stderr together), where its tracebacks go."""
        return self.sandbox.log

    def rss_mib(self) -> float | None:
        """The server's resident memory from /proc, in MiB (None where there is no /proc)."""
        if self.sandbox.process is None:
            return None
        try:
            status = Path(f"/proc/{self.sandbox.process.pid}/status").read_text()
        except OSError:
            return None
        return next((int(x.split()[1]) / 1024 for x in status.splitlines() if x.startswith("VmRSS:")), None)

    def stop(self) -> str:
        """Stop the server; its log, for a look for tracebacks."""
        self.sandbox.stop()
        return self.stderr.read_text(errors="replace")


def start(work: Path, apis: list[str] | None = None) -> Serve:
    """Start ``serve`` with its log in ``work``; returns once its banner names the bound port."""
    return Serve(ServedSandbox(log=work / "serve.log", apis=tuple(apis or ())).start())


def tracebacks(log: str) -> list[str]:
    """The distinct tracebacks in a server log, each as its last line (the exception)."""
    return [found.exception for found in serverlog.tracebacks(log)]
