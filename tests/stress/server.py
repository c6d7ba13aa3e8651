"""``lms-sandbox serve`` as a child process on 127.0.0.1 and port 0, its real port read from its banner."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mockserver.vendors import REGISTRY

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
# Raised the way contract runs raise them: a stress run measures writes, not refusals.
RAISED_LIMIT = "1000000/second"
_BANNER = re.compile(r"serving on (http://\S+)")


def argv(apis: list[str] | None = None) -> list[str]:
    """The ``serve`` command line: every API (or ``apis``), each documented rate limit raised."""
    script = Path(sys.executable).with_name("lms-sandbox")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver.cli"]
    line = [*command, "serve", "--host", HOST, "--port", "0", "--log-level", "warning"]
    for api in apis or []:
        line += ["--api", api]
    for name, vendor in REGISTRY.items():
        if vendor.rate_limit is not None and (not apis or name in apis):
            line += ["--rate-limit", f"{name}={RAISED_LIMIT}"]
    return line


@dataclass
class Serve:
    """A running ``serve``: its URL and its output files; stopped by its own process id."""

    process: subprocess.Popen[bytes]
    url: str
    stdout: Path
    stderr: Path
    _files: tuple[IO[bytes], IO[bytes]]

    def rss_mib(self) -> float | None:
        """The server's resident memory from /proc, in MiB (None where there is no /proc)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        return next((int(x.split()[1]) / 1024 for x in status.splitlines() if x.startswith("VmRSS:")), None)

    def stop(self) -> str:
        """Stop the server; its stderr, for a look for tracebacks."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for file in self._files:
            file.close()
        return self.stderr.read_text(errors="replace")


def start(work: Path, apis: list[str] | None = None) -> Serve:
    """Start ``serve`` with its output in ``work``; returns once its banner names the bound port."""
    work.mkdir(parents=True, exist_ok=True)
    out_path, err_path = work / "serve.out", work / "serve.err"
    out, err = out_path.open("wb"), err_path.open("wb")
    process = subprocess.Popen(argv(apis), stdout=out, stderr=err)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        found = _BANNER.search(out_path.read_text(errors="replace"))
        if found:
            return Serve(process, found.group(1), out_path, err_path, (out, err))
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            out.close()
            err.close()
            raise RuntimeError(
                f"lms-sandbox serve did not start (exit {process.returncode}): "
                f"{err_path.read_text(errors='replace')[-2000:]}"
            )
        time.sleep(0.05)


def tracebacks(stderr: str) -> list[str]:
    """The tracebacks in a server log, each as its last line (the exception)."""
    found = []
    lines = stderr.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("Traceback"):
            tail = next((x for x in lines[n + 1 :] if x and not x.startswith((" ", "\t"))), line)
            found.append(tail)
    return found
