"""P9: what a downstream test pays per call through the pytest plugin's in-process client.

The app and handle the ``sandbox`` fixture builds (the plugin's default options: every API, responses
validated), each vendor's ``client`` (credentials attached by its ``httpx.Auth``, a login or a signed token
where the vendor wants one): p50 of a read by id and of a create, after a warm-up, over many calls.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from typing import Any

from tests.bench.endpoints import RATE_LIMITS, Endpoint, Minter, discover

# The read by id and the create of each vendor in the load table; a vendor without a create there has one
# here (Coursepath's and Absorb's), DfE's display API has none.
READS = {
    "apprentiscope": "ApprentiScope GET /read-user/{id}",
    "dfe": "DfE GET /vacancy/{ref}",
    "skyprep": "SkyPrep POST /get_user",
    "absorb": "Absorb GET /users/{id}",
    "coursepath": "Coursepath GET /members/{id}",
}
CREATES = {"apprentiscope": "ApprentiScope POST /create-user", "skyprep": "SkyPrep POST /create_user"}


@dataclass(frozen=True)
class Call:
    """One call through the plugin's client: ``{n}`` in ``body`` becomes unique per call."""

    api: str
    method: str
    path: str  # from the sandbox's root
    body: str
    ok: int


def _plain(endpoint: Endpoint) -> Call:
    """The endpoint's request without its credentials: the plugin's client sends its own."""
    shape = endpoint.sandbox_shape()
    return Call(endpoint.doc.api, shape.method, shape.path, shape.body, endpoint.ok)


def _more_creates(found: dict[str, Endpoint], absorb_department: str) -> dict[str, Call]:
    member = found[READS["coursepath"]]
    user = found[READS["absorb"]]
    absorb_user = {
        "departmentId": absorb_department,
        "firstName": "Bench",
        "lastName": "User {n}",
        "username": "bench.{n}",
    }
    return {
        "coursepath": Call(
            "coursepath",
            "POST",
            member.doc.mount + "/members",
            json.dumps({"email": "bench.{n}@bench.example"}),
            201,
        ),
        "absorb": Call("absorb", "POST", user.doc.mount + "/users", json.dumps(absorb_user), 201),
    }


def _p50s(client: Any, call: Call, calls: int, warmup: int, tag: str) -> tuple[float, float]:
    """p50 ms of the call's wall time and of the process's CPU time (every thread: the client's and the
    event loop's); the CPU figure moves less on a loaded machine."""
    headers = {"Content-Type": "application/json"} if call.body else {}
    wall, cpu = [], []
    for n in range(warmup + calls):
        body = call.body.replace("{n}", f"{tag}{n}").encode()
        started, used = time.perf_counter(), time.process_time()
        answer = client.request(call.method, "http://sandbox" + call.path, content=body, headers=headers)
        elapsed, spent = time.perf_counter() - started, time.process_time() - used
        if answer.status_code != call.ok:
            raise RuntimeError(f"P9 {call.method} {call.path}: {answer.status_code}: {answer.text[:300]}")
        if n >= warmup:
            wall.append(elapsed)
            cpu.append(spent)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def plugin_calls(calls: int = 2000, warmup: int = 300) -> dict[str, dict[str, float]]:
    """p50 ms per API of a read by id and of a create, wall and CPU time
    (``{api: {"read": ms, "read_cpu": ms, "create": ms, "create_cpu": ms}}``)."""
    from mockserver import create_app
    from mockserver.options import SandboxOptions
    from mockserver.plugin import SandboxHandle
    from mockserver.testing import sync_client

    # The plugin's default options, DfE's and SkyPrep's rate limits raised (a test makes a few calls, not
    # thousands).
    options = SandboxOptions(validate_responses=True, rate_limits=RATE_LIMITS)
    app = create_app(options)
    handle = SandboxHandle(app, options)
    handle.reset()
    with sync_client(app, base_url="http://sandbox") as plain:
        found = {e.label: e for e in discover(plain, Minter())}
        absorb_user = plain.get(
            found[READS["absorb"]].sandbox_path, headers=dict(found[READS["absorb"]].shape.headers)
        ).json()
    wanted: dict[str, dict[str, Call]] = {api: {"read": _plain(found[label])} for api, label in READS.items()}
    for api, label in CREATES.items():
        wanted[api]["create"] = _plain(found[label])
    for api, call in _more_creates(found, absorb_user["departmentId"]).items():
        wanted[api]["create"] = call
    out: dict[str, dict[str, float]] = {}
    try:
        for api, kinds in wanted.items():
            client = handle.vendor(api).client
            out[api] = {}
            for kind, call in kinds.items():
                out[api][kind], out[api][f"{kind}_cpu"] = _p50s(client, call, calls, warmup, f"p9{kind}")
    finally:
        handle.close()
        app.close()
    return out
