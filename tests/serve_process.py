"""``lms-sandbox serve`` as a process of its own, for the few tests about what the command itself does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import mockserver


@contextmanager
def serve_process(
    *args: str, cwd: Path | None = None, without: tuple[str, ...] = ()
) -> Iterator[tuple[str, list[str], subprocess.Popen[str]]]:
    """``serve ARGS`` started (its output and errors on one pipe), until its banner is printed: its URL
    on 127.0.0.1, the banner's lines and the process (terminated afterwards). No environment variable
    whose name starts with one of ``without`` reaches it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(without or ("\0",))}
    source = str(Path(mockserver.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    argv = [sys.executable, "-m", "mockserver.cli", "serve", *args]
    process = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        # The banner is printed once the socket is bound; it ends with the control plane's line.
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "Ctrl-C to stop" in line:
                break
        found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", "\n".join(lines))
        assert found, "\n".join(lines)
        yield found.group(1), lines, process
    finally:
        process.terminate()
        process.wait(30)
        process.stdout.close()
