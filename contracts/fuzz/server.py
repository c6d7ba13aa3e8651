"""``lms-sandbox serve`` as a child process for a fuzz run: 127.0.0.1, port 0, its output in a log file.

The child runs the same ``mockserver`` the driver imported (its folder goes first on ``PYTHONPATH``),
is told its port by the banner it prints once bound, and is stopped by its own process id.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import mockserver
from mockserver.vendors import REGISTRY

from ..targets import UNLIMITED

HOST = "127.0.0.1"
_BANNER = re.compile(rf"lms-sandbox serving on http://{re.escape(HOST)}:(\d+)")
_START_TIMEOUT = 60.0
_STOP_TIMEOUT = 15.0
_POLL = 0.05


class ServerFailed(RuntimeError):
    """The sandbox did not start (or stopped): the message names its log."""


def serve_argv(
    apis: Sequence[str] = (),
    faults: Sequence[str] = (),
    validate_responses: bool = False,
    server: str | None = None,
) -> list[str]:
    """``serve`` on ``HOST``, port 0, ``apis`` (default all), every documented rate limit out of reach;
    on ``server`` (``granian``, ``uvicorn``; default serve's)."""
    argv = [sys.executable, "-m", "mockserver.cli", "serve", "--host", HOST, "--port", "0"]
    argv += ["--log-level", "warning"]
    if server is not None:
        argv += ["--server", server]
    for name in apis:
        argv += ["--api", name]
    for name, vendor in REGISTRY.items():
        if vendor.rate_limit is not None and (not apis or name in apis):
            argv += ["--rate-limit", f"{name}={UNLIMITED}"]
    for fault in faults:
        argv += ["--fault", fault]
    if validate_responses:
        argv.append("--validate-responses")
    return argv


def _environment() -> dict[str, str]:
    """This process' environment, with the imported ``mockserver`` first on the child's path."""
    source = str(Path(mockserver.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH", "")) if p)
    # Tracebacks and log lines as they happen, so a killed server leaves them in the log.
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class ServedSandbox:
    """A running ``lms-sandbox serve``; use it as a context manager."""

    log: Path
    apis: Sequence[str] = ()
    faults: Sequence[str] = ()
    validate_responses: bool = False
    server: str | None = None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _sink: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> ServedSandbox:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._sink = self.log.open("wb")
        argv = serve_argv(self.apis, self.faults, self.validate_responses, self.server)
        # Its own session: a Ctrl-C meant for the run reaches the driver, which then stops the server itself.
        self.process = subprocess.Popen(
            argv, stdout=self._sink, stderr=subprocess.STDOUT, env=_environment(), start_new_session=True
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while not self.port:
            found = _BANNER.search(self.log.read_text(errors="replace"))
            if found:
                self.port = int(found.group(1))
            elif self.process.poll() is not None:
                self.stop()
                raise ServerFailed(f"lms-sandbox serve exited with {self.process.returncode}; see {self.log}")
            elif time.monotonic() > deadline:
                self.stop()
                raise ServerFailed(
                    f"lms-sandbox serve did not start in {_START_TIMEOUT:.0f} s; see {self.log}"
                )
            else:
                time.sleep(_POLL)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after a grace period) and close its log."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def __enter__(self) -> ServedSandbox:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
