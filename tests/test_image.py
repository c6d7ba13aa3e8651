"""The image's gate: its command line, run as a process from the installed wheel, serves.

No OCI builder is needed: the wheel the image's build stage installs is built here (hatchling, no
download), unpacked, given its specs' JSON twins as the Dockerfile's build stage does, and the final
stage's ``ENTRYPOINT`` + ``CMD`` run from it with only the host and port changed (``127.0.0.1``, port 0)
and the stage's ``LMS_SANDBOX_*`` environment plus the control token. Change the Dockerfile's command
to one that does not serve and this fails.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.exposure import CONTROL_TOKEN_ENV, control_headers
from mockserver.index import ApiIndex
from mockserver.vendors import REGISTRY, vendor_names
from mockserver.vendors.base import load_specs

from .dockerfile import DOCKERFILE, Stage, command_line, final_stage, parse

ROOT = DOCKERFILE.parent
TOKEN = "image-test-token"
STAGE = final_stage()
# The image's port: the value of --port in its command line.
PORT = "8000"
# Where the image's build stage makes its venv.
VENV = "/opt/venv/bin"


def _venv_bin(name: str) -> str:
    """A command of the image's PATH as this venv has it (the image's venv is /opt/venv/bin)."""
    found = Path(sys.executable).parent / name
    assert found.exists(), f"{name} is not in {found.parent}"
    return str(found)


def _substituted(argv: list[str], host: str, port: str) -> list[str]:
    """``argv`` with the values of ``--host`` and ``--port`` replaced, and nothing else."""
    out = list(argv)
    for flag, value in (("--host", host), ("--port", port)):
        assert flag in out, f"the image's command line has no {flag}: {argv}"
        out[out.index(flag) + 1] = value
    return out


def _image_env(stage: Stage, site: Path, **extra: str) -> dict[str, str]:
    """This process's environment, the stage's ``LMS_SANDBOX_*`` settings, the unpacked wheel first on
    the import path, and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_SANDBOX_")}
    env |= {k: v for k, v in stage.env().items() if k.startswith("LMS_SANDBOX_")}
    env |= {"PYTHONPATH": str(site), "PYTHONUNBUFFERED": "1", "LMS_SANDBOX_CACHE": "off", **extra}
    return env


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel the image installs, unpacked as an install lays it out, its specs' twins written by the
    installed package itself (the Dockerfile's ``python -m mockserver.specs``)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    site = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    twins = site / "mockserver" / "_data" / "specs" / ".parsed"
    for twin in twins.glob("*"):
        twin.unlink()  # a checkout's twins may have gone into the wheel; the image makes its own
    for step in _after_install():
        subprocess.run(step, cwd=out, env=_image_env(STAGE, site), check=True, capture_output=True)
    return site


def _after_install() -> list[list[str]]:
    """The build stage's commands run with the venv's programs after ``pip install``, for this venv."""
    stages = parse(DOCKERFILE.read_text())[1]
    steps: list[list[str]] = []
    for instruction, rest in stages[0].instructions:
        if instruction != "RUN":
            continue
        for command in (shlex.split(part) for part in rest.split("&&")):
            program = command[0]
            if program.startswith(f"{VENV}/") and command[1:2] != ["install"] and "pip" not in program:
                steps.append([_venv_bin(program.removeprefix(f"{VENV}/")), *command[1:]])
    assert any("mockserver.specs" in step for step in steps), f"the build stage writes no twins: {steps}"
    return steps


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The image's command line running from the unpacked wheel on 127.0.0.1; its base URL."""
    argv = _substituted(command_line(STAGE), "127.0.0.1", "0")
    argv[0] = _venv_bin(argv[0])
    env = _image_env(STAGE, site, **{CONTROL_TOKEN_ENV: TOKEN})
    process = subprocess.Popen(
        argv, cwd=site.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if found := re.search(r"serving on (http://127\.0\.0\.1:\d+)", line):
                break
        assert found, "".join(lines)
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(30)
        process.stdout.close()


def test_the_image_runs_the_installed_wheel_with_its_twins(site: Path) -> None:
    where = subprocess.run(
        [sys.executable, "-c", "import mockserver.resources as r; print(r.data_dir('specs'))"],
        cwd=site.parent,
        env=_image_env(STAGE, site),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    specs = Path(where)
    assert specs == site / "mockserver" / "_data" / "specs"
    assert sorted(p.name for p in (specs / ".parsed").glob("*.json")) == sorted(
        f"{p.name}.json" for p in specs.glob("*.yaml")
    )


def _a_secured_get() -> tuple[str, str]:
    """The first API with a secured GET without path parameters, and its path under the API's prefix."""
    for api in vendor_names():
        vendor = REGISTRY[api]
        index = ApiIndex(load_specs(vendor.specs), ignore_case=vendor.ignore_case)
        for op in index.operations.values():
            if op.method.upper() == "GET" and op.secured and "{" not in op.path:
                return api, op.path
    raise AssertionError("no API has a secured GET without path parameters")


def test_the_image_s_command_serves_every_api_and_guards_the_control_plane(served: str) -> None:
    with httpx.Client(base_url=served, timeout=30) as client:
        # Each API's spec waits for that API to be built: then health says every one is ready.
        for api in vendor_names():
            assert client.get(f"{REGISTRY[api].prefix}{REGISTRY[api].specs[0].spec_route}").status_code == 200
        health = client.get("/__sandbox__/health")
        assert health.status_code == 200, health.text
        assert health.json()["ready"] == vendor_names()

        api, path = _a_secured_get()
        vendor = REGISTRY[api]
        url, headers = f"{vendor.prefix}{path}", dict(vendor.client_headers)
        auth = vendor.credentials.auth(vendor.credentials.defaults[0], base_url=f"{served}{vendor.prefix}")
        assert client.get(url, headers=headers).status_code == 401
        assert client.get(url, headers=headers, auth=auth).status_code == 200

        # The landing answer, its URLs those this client used; credentials only with the token.
        index = client.get("/").json()
        assert (index["base_url"], index["credentials_shown"]) == (served, False)
        assert client.get("/", headers=control_headers(TOKEN)).json()["credentials_shown"] is True

        assert client.get("/__sandbox__/apis").status_code == 401
        assert client.post("/__sandbox__/reset", json={"seed": 3}).status_code == 401
        assert client.post("/__sandbox__/reset", json={"seed": 3}, headers=control_headers(TOKEN)).is_success
        assert client.get("/__sandbox__/health").json()["seed"] == 3


def _healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, run here against ``port`` in place of the image's."""
    command = STAGE.healthcheck()
    assert command[0] == "python", command
    url_port = f"127.0.0.1:{PORT}"
    assert any(url_port in part for part in command), f"the HEALTHCHECK does not ask {url_port}: {command}"
    argv = [sys.executable, *(part.replace(url_port, f"127.0.0.1:{port}") for part in command[1:])]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)


def test_the_healthcheck_passes_on_the_served_image(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    httpx.get(f"{served}{REGISTRY[vendor_names()[-1]].prefix}/openapi.json", timeout=30)

    assert _healthcheck(port).returncode == 0


def test_the_healthcheck_fails_where_nothing_answers() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        # Bound, not listening: a connection is refused.
        assert _healthcheck(port).returncode != 0


def test_without_a_token_the_image_s_command_stops_at_once_saying_which_variable(site: Path) -> None:
    argv = _substituted(command_line(STAGE), "127.0.0.1", "0")
    argv[0] = _venv_bin(argv[0])

    result = subprocess.run(
        argv, cwd=site.parent, env=_image_env(STAGE, site), capture_output=True, text=True, timeout=60
    )

    assert result.returncode != 0
    assert CONTROL_TOKEN_ENV in result.stderr
    assert "serving on" not in result.stdout


def test_the_image_runs_as_a_user_on_the_port_it_exposes_and_checks() -> None:
    user = STAGE.last("USER")
    assert user is not None
    assert user.split(":")[0] not in ("root", "0")
    assert STAGE.last("EXPOSE") == PORT
    argv = command_line(STAGE)
    assert argv[argv.index("--port") + 1] == PORT
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
