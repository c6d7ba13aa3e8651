"""A config file drives a real ``serve``: its APIs, seed and log format, over a socket."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

import mockserver


def test_serve_run_in_a_folder_with_a_config_file_serves_what_it_says(tmp_path: Path) -> None:
    (tmp_path / "lms-sandbox.toml").write_text(
        "port = 0\napis = ['apprentiscope']\nseed = 5\nlog_format = 'json'\nlog_level = 'warning'\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_SANDBOX_")}
    source = str(Path(mockserver.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    argv = [sys.executable, "-m", "mockserver.cli", "serve"]
    process = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert process.stdout is not None
    banner: list[str] = []
    try:
        for line in process.stdout:
            banner.append(line.rstrip("\n"))
            if "Ctrl-C to stop" in line:
                break
        found = re.search(r"serving on (http://127\.0\.0\.1:\d+) \(seed 5\)", "\n".join(banner))
        assert found, "\n".join(banner)
        with httpx.Client(base_url=f"{found.group(1)}/__sandbox__", timeout=10) as client:
            apis = client.get("/apis").json()
        assert [api["name"] for api in apis] == ["apprentiscope"]
        # Its access line, in JSON as the file asks.
        logged = json.loads(process.stdout.readline())
        assert (logged["path"], logged["status"], logged["operation_id"]) == (
            "/__sandbox__/apis",
            200,
            "listApis",
        )
    finally:
        process.terminate()
        process.wait(30)
        process.stdout.close()
