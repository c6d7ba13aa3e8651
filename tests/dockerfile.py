"""Reading the repository's Dockerfile: its stages' instructions, the final stage's command line.

Enough of the Dockerfile syntax for the tests of the image: comments, line continuations, the JSON
(exec) form of ENTRYPOINT/CMD/HEALTHCHECK, ``ENV`` as ``KEY=VALUE ...`` pairs, ``ARG`` defaults.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parent.parent / "Dockerfile"


@dataclass
class Stage:
    """One ``FROM`` and the instructions under it, in order."""

    base: str
    name: str | None = None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, name: str) -> str | None:
        """The arguments of the stage's last ``name`` instruction (upper case), if any."""
        found = [rest for instruction, rest in self.instructions if instruction == name]
        return found[-1] if found else None

    def exec_form(self, name: str) -> list[str]:
        """The JSON array of the last ``name`` instruction (``[]`` when there is none)."""
        rest = self.last(name)
        return [] if rest is None else _exec_form(name, rest)

    def healthcheck(self) -> list[str]:
        """The command of the last ``HEALTHCHECK`` (its options aside), in exec form."""
        rest = self.last("HEALTHCHECK") or ""
        _, found, command = f" {rest}".partition(" CMD ")
        if not found:
            raise ValueError(f"HEALTHCHECK without CMD: {rest}")
        return _exec_form("HEALTHCHECK CMD", command)

    def env(self) -> dict[str, str]:
        """Every ``ENV KEY=VALUE`` of the stage, later ones winning."""
        found: dict[str, str] = {}
        for instruction, rest in self.instructions:
            if instruction == "ENV":
                for pair in shlex.split(rest):
                    key, sep, value = pair.partition("=")
                    if not sep:
                        raise ValueError(f"ENV without KEY=VALUE: {rest}")
                    found[key] = value
        return found


def _exec_form(name: str, text: str) -> list[str]:
    value = json.loads(text)
    if not (isinstance(value, list) and value and all(isinstance(item, str) for item in value)):
        raise ValueError(f"{name} is not in exec form (a JSON array of strings): {text}")
    return value


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ``ARG`` defaults and the stages of a Dockerfile's text."""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in _logical_lines(text):
        instruction, _, rest = line.partition(" ")
        instruction, rest = instruction.upper(), rest.strip()
        if instruction == "FROM":
            words = rest.split()
            base = words[0]
            for name, value in args.items():
                base = base.replace(f"${{{name}}}", value).replace(f"${name}", value)
            named = len(words) == 3 and words[1].upper() == "AS"
            stages.append(Stage(base, words[2].lower() if named else None))
        elif not stages:
            if instruction == "ARG":
                name, _, value = rest.partition("=")
                args[name] = value
        else:
            stages[-1].instructions.append((instruction, rest))
    return args, stages


def final_stage(path: Path = DOCKERFILE) -> Stage:
    """The stage the image runs: the Dockerfile's last."""
    return parse(path.read_text())[1][-1]


def base_images(path: Path = DOCKERFILE) -> list[str]:
    """Every stage's base image, ``ARG`` defaults filled in, without repeats (stages built earlier in the
    file, named with ``AS``, are not images to pull)."""
    _, stages = parse(path.read_text())
    names = {stage.name for stage in stages}
    return list(dict.fromkeys(stage.base for stage in stages if stage.base.lower() not in names))


def command_line(stage: Stage) -> list[str]:
    """What a container of ``stage`` runs by default: ``ENTRYPOINT`` + ``CMD`` (both in exec form)."""
    return stage.exec_form("ENTRYPOINT") + stage.exec_form("CMD")
