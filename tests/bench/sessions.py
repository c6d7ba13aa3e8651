"""The sessions section: 1,000 sessions of the default scenario in one sandbox, and what each costs.

Run in a process of its own (``python -m tests.bench.sessions COUNT``), so the RSS it reads is the
sandbox's alone: every API with its default scenario, then ``COUNT`` sessions (``X-Sandbox-Session``),
each touched with one read and one create (ApprentiScope's, in process). It prints one JSON object: RSS
before and after, per session, the time the first request of a new session takes (the fork) against
the same request in a session already open, and the process's RSS once the sessions are deleted.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from tests.bench.servers import rss_mib

TOKEN = {"Authorization": "sandbox-apprentiscope-token"}


@dataclass(frozen=True, slots=True)
class SessionCost:
    """What ``count`` sessions cost one sandbox (every API, default scenario)."""

    count: int
    rss_before_mib: float
    rss_after_mib: float
    rss_deleted_mib: float
    first_read_ms: float
    later_read_ms: float
    create_ms: float
    estimate_bytes: int

    @property
    def per_session_kib(self) -> float:
        return (self.rss_after_mib - self.rss_before_mib) * 1024 / self.count


def measure(count: int) -> SessionCost:
    """Run the measure in a fresh interpreter and read its answer."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.sessions", str(count)], capture_output=True, text=True, check=True
    )
    return SessionCost(**json.loads(done.stdout.strip().splitlines()[-1]))


def _run(count: int) -> dict[str, Any]:
    from mockserver import create_app
    from mockserver.testing import sync_client

    app = create_app()
    first, later, creates = [], [], []
    with sync_client(app, headers=TOKEN) as client:
        user = client.get("/apprentiscope/read-users/apprentice").json()[0]["id"]
        gc.collect()
        before = rss_mib(os.getpid())
        for number in range(count):
            session = {"X-Sandbox-Session": f"bench-{number}"}
            started = time.perf_counter()
            read = client.get(f"/apprentiscope/read-user/{user}", headers=session)
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.get(f"/apprentiscope/read-user/{user}", headers=session)
            later.append(time.perf_counter() - started)
            fields = {"first_name": "B", "last_name": f"S{number}", "email": f"s{number}@bench.example"}
            started = time.perf_counter()
            made = client.post(
                "/apprentiscope/create-user",
                json={"user": {**fields, "user_type": "apprentice"}},
                headers=session,
            )
            creates.append(time.perf_counter() - started)
            assert read.status_code == 200, read.text
            assert made.status_code == 201, made.text
        gc.collect()
        after = rss_mib(os.getpid())
        listed = client.get("/__sandbox__/sessions").json()["sessions"]
        assert len(listed) == count, len(listed)
        estimate = int(statistics.median(s["memory_estimate_bytes"] for s in listed))
        app.sessions.close()
        gc.collect()
        deleted = rss_mib(os.getpid())
    return {
        "count": count,
        "rss_before_mib": before,
        "rss_after_mib": after,
        "rss_deleted_mib": deleted,
        "first_read_ms": statistics.median(first) * 1000,
        "later_read_ms": statistics.median(later) * 1000,
        "create_ms": statistics.median(creates) * 1000,
        "estimate_bytes": estimate,
    }


if __name__ == "__main__":
    print(json.dumps(_run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
