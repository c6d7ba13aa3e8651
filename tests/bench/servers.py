"""Servers the bench runs as child processes on 127.0.0.1 and free ports: the sandbox, Prism, WireMock."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.bench.tools import Tool

HOST = "127.0.0.1"
_START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` from /proc, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class Server:
    """A child process serving HTTP on ``port``; stopped with its process id, never by name."""

    name: str
    argv: list[str]
    port: int
    env: dict[str, str] | None = None
    log: Path | None = None
    started: float = 0.0
    process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, wait: bool = True) -> Server:
        self._log_file = self.log.open("wb") if self.log else None
        sink = self._log_file or subprocess.DEVNULL
        self.started = time.perf_counter()
        self.process = subprocess.Popen(self.argv, stdout=sink, stderr=sink, env=self.env)
        if wait:
            self.wait_listening()
        return self

    def wait_listening(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while not _listening(self.port):
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; log: {self.log}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not listen on {self.port} in {_START_TIMEOUT:.0f} s")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def sandbox(
    rate_limits: dict[str, str],
    *,
    validate: bool = False,
    log: Path | None = None,
    port: int = 0,
    env: dict[str, str] | None = None,
    state_file: Path | None = None,
    server: str | None = None,
) -> Server:
    """``lms-sandbox serve`` as shipped, every API, the documented rate limits raised as contract runs do;
    with ``state_file``, ``--state-file`` (each change written before its answer); on ``server``
    (``--server``: granian or uvicorn; default serve's)."""
    script = Path(sys.executable).with_name("lms-sandbox")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver.cli"]
    argv = [*command, "serve", "--host", HOST, "--log-level", "warning"]
    port = port or free_port()
    argv += ["--port", str(port)]
    for api, limit in rate_limits.items():
        argv += ["--rate-limit", f"{api}={limit}"]
    if validate:
        argv.append("--validate-responses")
    if state_file is not None:
        argv += ["--state-file", str(state_file)]
    if server is not None:
        argv += ["--server", server]
    name = "sandbox (validating)" if validate else "sandbox (state file)" if state_file else "sandbox"
    return Server(name, argv, port, env=env, log=log)


def prism(tool: Tool, spec: Path, *, log: Path | None = None) -> Server:
    """``prism mock SPEC`` with static examples (its fastest mode), errors only in its log."""
    port = free_port()
    argv = [*tool.argv, "mock", str(spec), "-h", HOST, "-p", str(port), "-v", "error"]
    return Server(f"prism {spec.name}", argv, port, env=tool.environ(), log=log)


@dataclass(frozen=True)
class Stub:
    """One recorded answer of the sandbox, replayed by WireMock for the same method and path."""

    method: str
    path: str
    status: int
    content_type: str
    body: str


def wiremock(tool: Tool, stubs: list[Stub], root: Path, *, log: Path | None = None) -> Server:
    """WireMock serving ``stubs`` as static mappings (no request journal: a stub server at full speed)."""
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    for n, stub in enumerate(stubs):
        mapping: dict[str, Any] = {
            "request": {"method": stub.method, "urlPath": stub.path},
            "response": {
                "status": stub.status,
                "headers": {"Content-Type": stub.content_type},
                "body": stub.body,
            },
        }
        (mappings / f"stub-{n}.json").write_text(json.dumps(mapping))
    port = free_port()
    argv = [
        *tool.argv,
        "--port",
        str(port),
        "--bind-address",
        HOST,
        "--root-dir",
        str(root),
        "--no-request-journal",
        "--disable-banner",
    ]
    return Server("wiremock", argv, port, env=tool.environ(), log=log)
