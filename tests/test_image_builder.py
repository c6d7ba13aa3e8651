"""``make image``'s choice of builder (tests/image_builder.py), with fake programs: which one works,
and that no working builder, or a base image out of reach, is said and is no failure."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from .dockerfile import base_images
from .image_builder import build_image, find_builder


class Machine:
    """Fake programs: those installed, what each command answers, every command run."""

    def __init__(self, installed: Sequence[str], failing: Sequence[str] = ()) -> None:
        self.installed = set(installed)
        self.failing = list(failing)  # a command that starts with one of these fails
        self.ran: list[list[str]] = []
        self.said: list[str] = []

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if name in self.installed else None

    def run(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.ran.append(list(command))
        line = " ".join(command)
        fails = any(line.startswith(prefix) for prefix in self.failing)
        return subprocess.CompletedProcess(command, 1 if fails else 0, "", "it failed\n" if fails else "")

    def build(self, **kwargs: object) -> int:
        return build_image(which=self.which, run=self.run, stream=self.run, say=self.said.append, **kwargs)  # type: ignore[arg-type]


def test_a_docker_without_its_daemon_is_passed_over_for_podman() -> None:
    machine = Machine(["docker", "podman"], failing=["docker info"])

    builder = find_builder(machine.which, machine.run, machine.said.append)

    assert builder is not None
    assert builder.name == "podman"
    assert any("docker is here but does not work (it failed)" in line for line in machine.said)


def test_docker_with_its_daemon_comes_first() -> None:
    machine = Machine(["docker", "podman", "buildah"])

    builder = find_builder(machine.which, machine.run, machine.said.append)

    assert builder is not None
    assert builder.name == "docker"
    assert machine.ran == [["docker", "info"]]


def test_buildah_is_probed_with_its_version() -> None:
    machine = Machine(["buildah"])

    builder = find_builder(machine.which, machine.run, machine.said.append)

    assert builder is not None
    assert (builder.name, machine.ran) == ("buildah", [["buildah", "version"]])


@pytest.mark.parametrize(
    ("installed", "failing"),
    [([], []), (["docker"], ["docker info"]), (["docker", "podman"], ["docker info", "podman info"])],
    ids=["nothing installed", "docker without a daemon", "no engine answers"],
)
def test_no_working_builder_is_said_and_is_no_failure(installed: list[str], failing: list[str]) -> None:
    machine = Machine(installed, failing)

    assert machine.build() == 0
    assert "no working OCI builder" in machine.said[-1]
    assert not any("build" in command for command in machine.ran)


def test_a_base_image_that_cannot_be_pulled_counts_as_no_builder() -> None:
    machine = Machine(["docker"], failing=["docker pull"])

    assert machine.build() == 0
    assert f"cannot pull the base image {base_images()[0]}" in machine.said[-1]
    assert not any(command[1] == "build" for command in machine.ran)


def test_a_working_builder_pulls_every_base_image_then_builds_the_tag(tmp_path: Path) -> None:
    machine = Machine(["podman"], failing=["docker"])
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "ARG V=3.12\nFROM python:${V}-slim AS build\nRUN true\nFROM build\nFROM busybox:1\n"
    )

    assert machine.build(tag="mine:1", context=tmp_path, dockerfile=dockerfile) == 0
    assert machine.ran == [
        ["podman", "info"],
        ["podman", "pull", "python:3.12-slim"],
        ["podman", "pull", "busybox:1"],
        ["podman", "build", "-t", "mine:1", "-f", str(dockerfile), str(tmp_path)],
    ]
    assert machine.said[-1] == "make image: built mine:1 with podman"


def test_a_build_that_fails_fails_make_image() -> None:
    machine = Machine(["docker"], failing=["docker build"])

    assert machine.build() == 1
    assert "the build failed" in machine.said[-1]
