"""A config file drives a real ``serve``: its APIs, seed and log format, over a socket."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from .serve_process import serve_process


def test_serve_run_in_a_folder_with_a_config_file_serves_what_it_says(tmp_path: Path) -> None:
    (tmp_path / "lms-sandbox.toml").write_text(
        "port = 0\napis = ['apprentiscope']\nseed = 5\nlog_format = 'json'\n"
    )
    with serve_process(cwd=tmp_path, without=("LMS_SANDBOX_",)) as (url, banner, process):
        assert f"serving on {url} (seed 5)" in banner[0]
        with httpx.Client(base_url=f"{url}/__sandbox__", timeout=10) as client:
            apis = client.get("/apis").json()
        assert [api["name"] for api in apis] == ["apprentiscope"]
        # Its access line, in JSON as the file asks.
        assert process.stdout is not None
        # The server's own start lines may come first; the access line, text or JSON, ends the wait.
        line = next(line for line in process.stdout if line.startswith(("GET ", "{")))
        logged = json.loads(line)
        assert (logged["path"], logged["status"], logged["operation_id"]) == (
            "/__sandbox__/apis",
            200,
            "listApis",
        )
