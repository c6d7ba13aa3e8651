"""The docs' examples as the tests run them: fenced blocks found in a page, then run against a real server.

The convention (docs/writing-docs.md):

- ```` ```bash ```` and ```` ```sh ```` blocks run in bash with ``set -euo pipefail``; a non-zero exit fails.
- ```` ```python ```` blocks run in this process, each in a fresh namespace (top-level ``await`` allowed); an
  exception fails. A block titled as a test module (```` ```python title="test_x.py" ````) is written to a
  folder of its own and run with pytest (the plugin loaded, as a user's project has it); a test that
  does not pass fails.
- Every block of a page runs in page order against one server, reset before the page; in the block,
  ``http://127.0.0.1:8000`` and ``localhost:8000`` are rewritten to that server's address, and the
  folder of this interpreter (``.venv/bin``) comes first on ``PATH``.
- A block whose previous non-blank line is ``<!-- no-run: REASON -->`` is skipped (the reason is required).
- ```` ```text ````, ```` ```toml ````, ```` ```yaml ````, ```` ```json ```` (and ``xml``, ``csv``) blocks are
  listings, never run. A fence without a language is an error: say what the block is.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN = frozenset({"bash", "sh", "python"})
LISTINGS = frozenset({"text", "toml", "yaml", "json", "xml", "csv"})
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
NO_RUN = re.compile(r"^\s*<!--\s*no-run\s*(?::\s*(?P<reason>.*?))?\s*-->\s*$")
SERVER = re.compile(r"(?:http://)?(?:127\.0\.0\.1|localhost):8000(?!\d)")
TITLE = re.compile(r"""title=["']?(?P<title>[^"'\s]+)""")
BLOCK_TIMEOUT = 60


@dataclass(frozen=True)
class Block:
    """One fenced block of a page: its language, first line of code (1-based), code, and why it is skipped."""

    page: str
    line: int
    lang: str
    info: str
    code: str
    no_run: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def title(self) -> str | None:
        found = TITLE.search(self.info)
        return found.group("title") if found else None

    @property
    def runs(self) -> bool:
        return self.lang in RUN and self.no_run is None

    @property
    def is_test_module(self) -> bool:
        title = self.title or ""
        return self.lang == "python" and title.startswith("test_") and title.endswith(".py")


class BadFence(ValueError):
    """A block the convention does not allow: no language, an unknown one, a no-run without its reason."""


def blocks(text: str, page: str) -> list[Block]:
    """Every fenced block of ``text`` in page order (a block inside a list item loses its indent)."""
    found: list[Block] = []
    lines = text.split("\n")
    i = 0
    previous = ""
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            if lines[i].strip():
                previous = lines[i]
            i += 1
            continue
        indent, fence = opening.group("indent"), opening.group("fence")
        info = opening.group("info").strip()
        lang = info.split()[0].lower() if info else ""
        start = i + 1
        body: list[str] = []
        i += 1
        while i < len(lines) and not re.match(
            rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[i]
        ):
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            i += 1
        marker = NO_RUN.match(previous)
        where = f"{page}:{start}"
        if marker and not (marker.group("reason") or "").strip():
            raise BadFence(f"{where}: <!-- no-run --> needs its reason: <!-- no-run: REASON -->")
        if lang not in RUN | LISTINGS:
            raise BadFence(
                f"{where}: a fence needs a language, one of {', '.join(sorted(RUN | LISTINGS))} "
                f"(got {lang or 'none'!r})"
            )
        no_run = marker.group("reason").strip() if marker else None
        found.append(Block(page, start + 1, lang, info, "\n".join(body) + "\n", no_run))
        previous = ""
        i += 1
    return found


def address(code: str, url: str) -> str:
    """``code`` with the documented address (127.0.0.1:8000 or localhost:8000) made ``url``'s."""
    host = url.removeprefix("http://")
    return SERVER.sub(lambda m: ("http://" if m.group(0).startswith("http://") else "") + host, code)


def environment() -> dict[str, str]:
    """The environment of a shell block: this interpreter's folder first on PATH, no sandbox settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_SANDBOX_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


class ExampleFailed(AssertionError):
    """A documented example that does not run; the message names its page and line."""


# Every curl of a block reports its answer's status on stderr (its own ``-w`` wins where it has one).
CURLRC = 'write-out = "%{stderr}curl-status: %{http_code} %{method} %{url_effective}\\n"\n'
STATUS = re.compile(r"^curl-status: (?P<status>\d{3}) (?P<request>.*)$", re.M)


def unexpected_statuses(code: str, stderr: str) -> list[str]:
    """The curl answers of a block that it does not expect: any 5xx (or none at all), and a 4xx whose
    status the block never mentions (an example showing a refusal says which, e.g. ``# 401``)."""
    found = []
    for status in STATUS.finditer(stderr):
        number = int(status.group("status"))
        mentioned = re.search(rf"(?<!\d){number}(?!\d)", code) is not None  # not inside a port or an id
        if number >= 500 or number == 0 or (number >= 400 and not mentioned):
            found.append(f"{number} {status.group('request')}")
    return found


def run_shell(block: Block, url: str, cwd: Path) -> None:
    code = address(block.code, url)
    (cwd / ".curlrc").write_text(CURLRC)
    try:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", code],
            cwd=cwd,
            env={**environment(), "CURL_HOME": str(cwd)},
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as timeout:
        raise ExampleFailed(
            f"{block.where}: {block.lang} block ran over {BLOCK_TIMEOUT} s\n{code}"
        ) from timeout
    if done.returncode != 0:
        raise ExampleFailed(
            f"{block.where}: {block.lang} block exited {done.returncode}\n--- block ---\n{code}"
            f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
        )
    # Mentioned in the block as written: the real address's port may hold any digits (e.g. 34046).
    unexpected = unexpected_statuses(block.code, done.stderr)
    if unexpected:
        raise ExampleFailed(
            f"{block.where}: {block.lang} block got answers it does not mention: {unexpected}\n"
            f"--- block ---\n{code}--- stdout ---\n{done.stdout[-3000:]}"
        )


def run_python(block: Block, url: str) -> None:
    code = address(block.code, url)
    try:
        compiled = compile(code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        namespace: dict[str, Any] = {"__name__": "__doc_example__"}
        result = eval(compiled, namespace)  # an exec that may await: a coroutine when the block awaits
        if inspect.iscoroutine(result):
            asyncio.run(result)
    except Exception as error:
        raise ExampleFailed(f"{block.where}: python block raised {error!r}\n--- block ---\n{code}") from error


def module_source(block: Block, url: str) -> str:
    return address(block.code, url)
