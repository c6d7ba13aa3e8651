"""The bench's tools, installed into a git-ignored folder: wrk (Debian), Prism and WireMock (npm).

Each installer answers the tool, or the reason it cannot be had; a peer that cannot be had is skipped,
never fatal, except the load generator.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PRISM_VERSION = "5.14.2"
WIREMOCK_VERSION = "3.13.2"
# wrk links LuaJIT dynamically; both come from Debian and are unpacked, not installed (no root needed).
WRK_PACKAGES = ("wrk", "libluajit-5.1-2", "libluajit-5.1-common")


@dataclass(frozen=True)
class Tool:
    """A runnable tool: the command's first words and the environment it needs."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()

    def environ(self) -> dict[str, str]:
        return {**os.environ, **dict(self.env)}


@dataclass(frozen=True)
class Missing:
    """Why a tool is not available."""

    reason: str


def _run(argv: list[str], cwd: Path) -> str | None:
    """Run an install step; answer its error output when it fails."""
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else (done.stderr or done.stdout).strip()[-400:]


def wrk(folder: Path) -> Tool | Missing:
    """wrk from Debian's packages, unpacked into ``folder/wrk`` (a ``wrk`` on PATH is used first)."""
    on_path = shutil.which("wrk")
    if on_path:
        return Tool((on_path,))
    root = folder / "wrk"
    binary = root / "usr/bin/wrk"
    libs = root / "usr/lib/x86_64-linux-gnu"
    if not binary.exists():
        if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
            return Missing("wrk is not on PATH and apt-get/dpkg-deb are not there to fetch it")
        debs = root / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        error = _run(["apt-get", "download", *WRK_PACKAGES], debs)
        if error:
            return Missing(f"apt-get download {' '.join(WRK_PACKAGES)} failed: {error}")
        for deb in sorted(debs.glob("*.deb")):
            error = _run(["dpkg-deb", "-x", str(deb), str(root)], root)
            if error:
                return Missing(f"dpkg-deb -x {deb.name} failed: {error}")
    tool = Tool((str(binary),), (("LD_LIBRARY_PATH", str(libs)),))
    error = _check([*tool.argv, "-v"], tool.environ(), "wrk")
    return Missing(error) if error else tool


def _check(argv: list[str], env: dict[str, str], expect: str) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{argv[0]} does not run: {exc}"
    output = done.stdout + done.stderr
    return None if expect in output else f"{argv[0]} does not run: {output.strip()[-300:]}"


def _npm(folder: Path, packages: list[str], stamp: str) -> str | None:
    """``npm install`` ``packages`` into ``folder/npm`` once (a stamp names the versions)."""
    prefix = folder / "npm"
    marker = prefix / f".installed-{stamp}"
    if marker.exists():
        return None
    if not shutil.which("npm"):
        return "npm is not installed (node 20+ is needed)"
    prefix.mkdir(parents=True, exist_ok=True)
    error = _run(
        ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", *packages],
        prefix,
    )
    if error:
        return f"npm install {' '.join(packages)} failed: {error}"
    marker.touch()
    return None


def prism(folder: Path) -> Tool | Missing:
    """Prism (``@stoplight/prism-cli``), pinned: its mock mode is the peer of the comparison."""
    error = _npm(folder, [f"@stoplight/prism-cli@{PRISM_VERSION}"], f"prism-{PRISM_VERSION}")
    if error:
        return Missing(error)
    return Tool((str(folder / "npm/node_modules/.bin/prism"),))


def wiremock(folder: Path) -> Tool | Missing:
    """WireMock's standalone jar (bundled by the npm package ``wiremock``), run by Java from PATH."""
    java = shutil.which("java")
    if not java:
        return Missing("java is not installed (Debian: openjdk-17-jre-headless)")
    error = _npm(folder, [f"wiremock@{WIREMOCK_VERSION}"], f"wiremock-{WIREMOCK_VERSION}")
    if error:
        return Missing(error)
    jars = sorted(glob.glob(str(folder / "npm/node_modules/wiremock/build/wiremock-standalone-*.jar")))
    if not jars:
        return Missing("the npm package wiremock holds no wiremock-standalone jar")
    return Tool((java, "-jar", jars[-1]))
