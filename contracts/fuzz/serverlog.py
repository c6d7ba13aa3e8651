"""Reading a server log for tracebacks: each distinct one, where it was raised, and how often."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_START = "Traceback (most recent call last):"
_FRAME = re.compile(r'^\s+File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<function>.+)$')
# Frames in these packages say where the sandbox failed; the framework's frames above them do not.
_OWN = ("/mockserver/", "/contracts/")
_MESSAGE = 300


@dataclass(frozen=True, slots=True)
class Traceback:
    """One distinct traceback: its exception line and the innermost frame of our own code."""

    exception: str
    where: str
    count: int = 1

    def describe(self) -> str:
        times = f" ({self.count} times)" if self.count > 1 else ""
        return f"{self.exception}\n    at {self.where}{times}"


def _where(frames: list[tuple[str, str, str]]) -> str:
    own = [frame for frame in frames if any(part in frame[0] for part in _OWN)]
    path, line, function = (own or frames or [("?", "?", "?")])[-1]
    return f"{path}:{line} in {function}"


def _blocks(lines: list[str]) -> Iterable[tuple[str, str]]:
    index = 0
    while index < len(lines):
        if lines[index].strip() != _START:
            index += 1
            continue
        frames: list[tuple[str, str, str]] = []
        index += 1
        while index < len(lines) and (lines[index].startswith((" ", "\t")) or not lines[index].strip()):
            found = _FRAME.match(lines[index])
            if found:
                frames.append((found["path"], found["line"], found["function"]))
            index += 1
        exception = lines[index].strip() if index < len(lines) else "(the log ends inside a traceback)"
        yield exception[:_MESSAGE], _where(frames)


def tracebacks(text: str) -> list[Traceback]:
    """Every distinct traceback in ``text`` (a chained one counts each of its parts), first seen first."""
    counts: dict[tuple[str, str], int] = {}
    for key in _blocks(text.splitlines()):
        counts[key] = counts.get(key, 0) + 1
    return [Traceback(exception, where, count) for (exception, where), count in counts.items()]
