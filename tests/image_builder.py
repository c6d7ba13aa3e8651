"""``make image``: build the Docker image with the first OCI builder that works here, else say there is none.

A builder works when its engine answers: ``docker info`` (a ``docker`` binary whose daemon is not running
does not count), ``podman info``, ``buildah version``. Its base images must be pullable too: one that
cannot be pulled (no network, no registry) counts as no builder. Neither is a failure: ``make image``
says which and exits 0. A build that starts and fails is one (exit 1).

Run from a checkout: ``python -m tests.image_builder [--tag TAG]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .dockerfile import DOCKERFILE, base_images

DEFAULT_TAG = "lms-sandbox:latest"

Run = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]
Which = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Builder:
    """One OCI builder: how to ask whether its engine works, pull an image, build one."""

    name: str
    probe: tuple[str, ...]
    pull: tuple[str, ...]
    build: tuple[str, ...]

    def build_command(self, tag: str, context: Path, dockerfile: Path) -> list[str]:
        return [self.name, *self.build, "-t", tag, "-f", str(dockerfile), str(context)]


BUILDERS = (
    Builder("docker", ("info",), ("pull",), ("build",)),
    Builder("podman", ("info",), ("pull",), ("build",)),
    Builder("buildah", ("version",), ("pull",), ("build",)),
)


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


def _stream(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """``command`` run with its output going to the terminal as it comes (a build's progress)."""
    return subprocess.run(list(command), text=True, check=False)


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout or "").strip().splitlines()
    return lines[-1].strip() if lines else f"exit status {result.returncode}"


def find_builder(
    which: Which = shutil.which, run: Run = _run, say: Callable[[str], None] = print
) -> Builder | None:
    """The first builder whose engine answers; each one passed over is said, with why."""
    for builder in BUILDERS:
        if which(builder.name) is None:
            say(f"make image: no {builder.name} here")
            continue
        probed = run([builder.name, *builder.probe])
        if probed.returncode == 0:
            return builder
        say(f"make image: {builder.name} is here but does not work ({_last_line(probed)})")
    return None


def build_image(
    tag: str = DEFAULT_TAG,
    *,
    context: Path = DOCKERFILE.parent,
    dockerfile: Path = DOCKERFILE,
    which: Which = shutil.which,
    run: Run = _run,
    stream: Run = _stream,
    say: Callable[[str], None] = print,
) -> int:
    """Build the image ``tag``. Exit status 0 when built or when no builder works, 1 when a build failed."""
    builder = find_builder(which, run, say)
    if builder is None:
        say(
            "make image: no working OCI builder (docker with a running daemon, podman or buildah); "
            "nothing built"
        )
        return 0
    for image in base_images(dockerfile):
        pulled = run([builder.name, *builder.pull, image])
        if pulled.returncode != 0:
            say(
                f"make image: {builder.name} cannot pull the base image {image} ({_last_line(pulled)}); "
                "without it there is no builder; nothing built"
            )
            return 0
    command = builder.build_command(tag, context, dockerfile)
    say(f"make image: {' '.join(command)}")
    built = stream(command)
    if built.returncode != 0:
        say(f"make image: the build failed ({builder.name}, exit status {built.returncode})")
        return 1
    say(f"make image: built {tag} with {builder.name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make image", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--tag", default=DEFAULT_TAG, help=f"the image's name (default {DEFAULT_TAG})")
    args = parser.parse_args(argv)
    return build_image(args.tag)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
