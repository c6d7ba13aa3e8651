"""The measurements beside the load runs: start-up (P3), idle memory (P4), contracts (P5), a big store (P6)
and the pytest plugin's cost per test (P8)."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from tests.bench import servers
from tests.bench.endpoints import (
    ABSORB_KEY,
    ABSORB_LOGIN,
    APPRENTISCOPE,
    DFE,
    SKYPREP,
    Minter,
)


@dataclass(frozen=True)
class Startup:
    """Seconds from ``serve``'s process start until each API answered 2xx, and the idle RSS after."""

    ready: dict[str, float]
    rss_mib: float

    @property
    def all_ready(self) -> float:
        return max(self.ready.values())


def _probes(minter: Minter) -> dict[str, Callable[[httpx.Client], httpx.Response]]:
    """One cheap authenticated call per API: it answers 2xx once that API is served."""
    return {
        "apprentiscope": lambda c: c.get("/apprentiscope/read-users/admin", headers=APPRENTISCOPE),
        "dfe": lambda c: c.get("/apprenticeships/vacancies/vacancy", params={"PageSize": 1}, headers=DFE),
        "skyprep": lambda c: c.post("/skyprep/admin/api/test_connection", json=SKYPREP),
        "absorb": lambda c: c.post(
            "/absorb/authenticate", json=ABSORB_LOGIN, headers={"x-api-key": ABSORB_KEY}
        ),
        "coursepath": lambda c: c.get(
            "/coursepath/api/v1/members/me", headers={"Authorization": "Bearer " + minter.tokens(1)[0]}
        ),
    }


def startup(log: Path, idle_seconds: float = 1.0, *, cold: bool = False) -> Startup:
    """Start ``lms-sandbox serve`` (every API, as shipped) and time each API's first 2xx; then its RSS.

    ``cold``: with the user's cache turned off (``LMS_SANDBOX_CACHE=off``), as on a machine's first start.
    """
    env = {**os.environ, "LMS_SANDBOX_CACHE": "off"} if cold else None
    server = servers.sandbox({}, log=log, env=env)
    ready: dict[str, float] = {}
    with server.start(wait=False), httpx.Client(base_url=server.url, timeout=5) as client:
        assert server.process is not None
        for api, probe in _probes(Minter()).items():
            deadline = time.monotonic() + 60
            while True:
                try:
                    answer = probe(client)
                    if 200 <= answer.status_code < 300:
                        break
                except httpx.TransportError:
                    pass
                if server.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{api} never answered 2xx after serve started; log: {log}")
                time.sleep(0.005)
            ready[api] = time.perf_counter() - server.started
        time.sleep(idle_seconds)
        return Startup(ready, servers.rss_mib(server.process.pid))


@dataclass(frozen=True)
class Contracts:
    """``lms-sandbox contract all``, every API in parallel processes: the whole run and each API's part."""

    total: float
    seconds: dict[str, float]
    budgets: dict[str, float]
    exit_codes: dict[str, int]
    unreached: dict[str, list[str]]


def contracts(apis: list[str], logs: Path) -> Contracts:
    figures = logs / "contract.json"
    started = time.perf_counter()
    with (logs / "contract-all.log").open("wb") as out:
        subprocess.run(
            [sys.executable, "-m", "mockserver.cli", "contract", *apis, "--json", str(figures)],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    total = time.perf_counter() - started
    per_api = json.loads(figures.read_text())["apis"] if figures.exists() else {}
    return Contracts(
        total=total,
        seconds={api: float(per_api.get(api, {}).get("seconds", 0.0)) for api in apis},
        budgets={api: float(per_api.get(api, {}).get("budget") or 0.0) for api in apis},
        exit_codes={api: 0 if per_api.get(api, {}).get("ok") else 1 for api in apis},
        unreached={api: list(per_api.get(api, {}).get("unreached", [])) for api in apis},
    )


def _p50_ms(label: str, calls: list[Callable[[], httpx.Response]], ok: int) -> float:
    samples = []
    for call in calls:
        started = time.perf_counter()
        response = call()
        samples.append(time.perf_counter() - started)
        if response.status_code != ok:
            raise RuntimeError(f"{label}: the sandbox answered {response.status_code}: {response.text[:200]}")
    return statistics.median(samples) * 1000


def _user(n: int, tag: str) -> dict[str, Any]:
    return {
        "user": {
            "first_name": "Bench",
            "last_name": f"User{n}",
            "email": f"bench.{tag}{n}@bench.example",
            "user_type": "apprentice",
        }
    }


def _bulk_users(count: int, partner_ids: list[str], program_ids: list[str]) -> Iterator[dict[str, Any]]:
    types = itertools.cycle(("apprentice", "apprentice", "apprentice", "mentor", "applicant", "supervisor"))
    for n, user_type in zip(range(count), types, strict=False):
        yield {
            "id": f"bulk{n:015d}",
            "first_name": "Bulk",
            "last_name": f"User{n}",
            "email": f"bulk.user{n}@bench.example",
            "user_type": user_type,
            "company_id": partner_ids[n % len(partner_ids)],
            "program_id": program_ids[n % len(program_ids)],
            "managed": True,
            "created_at": "2025-01-01T09:00:00Z",
            "updated_at": "2025-01-01T09:00:00Z",
        }


@dataclass(frozen=True)
class BigStore:
    """p50s in ms on a small store and with ``count`` users imported through the state endpoint."""

    count: int
    import_seconds: float
    filtered_list: float
    read_small: float
    read_big: float
    create_small: float
    create_big: float


def big_store(count: int, requests: int = 60) -> BigStore:
    """ApprentiScope users in-process: read and create p50 before and after importing ``count`` users,
    and a one-match filtered list (the API's lists are not paged: the filter is what must not scan)."""
    from mockserver import create_app
    from mockserver.testing import sync_client

    app = create_app(apis=("apprentiscope",))
    with (
        sync_client(app, base_url="http://s/__sandbox__") as control,
        sync_client(app, base_url="http://s/apprentiscope", headers=APPRENTISCOPE) as api,
    ):
        state = control.get("/state/apprentiscope").json()
        seeded = next(iter(state["collections"]["users"]))
        read_small = _p50_ms("read", [partial(api.get, f"/read-user/{seeded}")] * requests, 200)
        create_small = _p50_ms(
            "create", [partial(api.post, "/create-user", json=_user(n, "s")) for n in range(requests)], 201
        )
        state = control.get("/state/apprentiscope").json()
        partners = [p["id"] for p in state["collections"]["partners"].values() if p["type"] == "employer"]
        programs = list(state["collections"]["occupations"])
        users = state["collections"]["users"]
        users.update({u["id"]: u for u in _bulk_users(count, partners, programs)})
        started = time.perf_counter()
        imported = control.put("/state/apprentiscope", json=state)
        import_seconds = time.perf_counter() - started
        if imported.status_code != 200:
            raise RuntimeError(f"import: the sandbox answered {imported.status_code}: {imported.text[:200]}")
        picks = list(range(0, count, max(1, count // requests)))[:requests]
        read_big = _p50_ms("read", [partial(api.get, f"/read-user/bulk{n:015d}") for n in picks], 200)
        create_big = _p50_ms(
            "create", [partial(api.post, "/create-user", json=_user(n, "b")) for n in range(requests)], 201
        )
        wanted = [n for n in picks if n % 6 < 3]  # the apprentices among the picks
        filtered = _p50_ms(
            "filter",
            [
                partial(api.get, "/read-users/apprentice", params={"email": f"bulk.user{n}@bench.example"})
                for n in wanted
            ],
            200,
        )
    return BigStore(count, import_seconds, filtered, read_small, read_big, create_small, create_big)


_CONFTEST = """
import json, os, time
import pytest

_durations = []

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    result = yield
    _durations.append(time.perf_counter() - started)
    return result

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_DURATIONS"], "w") as out:
        json.dump(_durations, out)
"""


@dataclass(frozen=True)
class PluginCost:
    """Mean ms per test (the first, which builds the session's app, left out) with and without ``sandbox``."""

    tests: int
    plain_ms: float
    fixture_ms: float

    @property
    def per_test_ms(self) -> float:
        return self.fixture_ms - self.plain_ms


def _suite_ms(folder: Path, body: str, tests: int) -> float:
    (folder / "test_suite.py").write_text(
        "".join(f"def test_{n}({body}):\n    pass\n\n\n" for n in range(tests))
    )
    durations = folder / "durations.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_DURATIONS": str(durations)},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the generated suite failed: {done.stdout[-800:]}")
    samples: list[float] = json.loads(durations.read_text())[1:]
    return statistics.fmean(samples) * 1000


def plugin_cost(tests: int = 200) -> PluginCost:
    """A generated suite of ``tests`` tests, run twice: taking ``sandbox`` (every API) and doing nothing,
    and plain; pytest's own per-test cost cancels out."""
    with tempfile.TemporaryDirectory(prefix="bench-plugin-") as tmp:
        folder = Path(tmp)
        (folder / "conftest.py").write_text(textwrap.dedent(_CONFTEST))
        plain = _suite_ms(folder, "", tests)
        fixture = _suite_ms(folder, "sandbox", tests)
    return PluginCost(tests, plain, fixture)


@dataclass(frozen=True)
class PagedList:
    """p50 in ms of a filtered, paged list with ``count`` records imported through the state endpoint."""

    count: int
    matches: int
    import_seconds: float
    p50_ms: float


def paged_list(count: int, requests: int = 60, per_company: int = 100) -> PagedList:
    """Coursepath members in-process: ``GET /members?company=...&offset=20&limit=10`` (the third page of
    one company's ``per_company`` members) after importing ``count`` members."""
    from mockserver import create_app
    from mockserver.testing import sync_client

    minter = Minter()
    companies = max(1, count // per_company)
    app = create_app(apis=("coursepath",))
    with (
        sync_client(app, base_url="http://s/__sandbox__") as control,
        sync_client(app, base_url="http://s/coursepath/api/v1") as api,
    ):
        state = control.get("/state/coursepath").json()
        template = next(iter(state["collections"]["members"].values()))
        members = state["collections"]["members"]
        for n in range(count):
            member_id = f"bulk{n:06d}"
            members[member_id] = {
                **template,
                "id": member_id,
                "email": f"bulk.member{n}@bench.example",
                "name": f"Bulk Member {n}",
                "company": f"Bulk Company {n % companies}",
                "externalId": f"BULK-{n}",
            }
        started = time.perf_counter()
        imported = control.put("/state/coursepath", json=state)
        import_seconds = time.perf_counter() - started
        if imported.status_code != 200:
            raise RuntimeError(f"import: the sandbox answered {imported.status_code}: {imported.text[:200]}")
        tokens = minter.tokens(requests + 1)
        calls: list[Callable[[], httpx.Response]] = [
            partial(
                api.get,
                "/members",
                params={"company": f"Bulk Company {n * 7 % companies}", "offset": 20, "limit": 10},
                headers={"Authorization": f"Bearer {token}"},
            )
            for n, token in enumerate(tokens[1:])
        ]
        page = api.get(
            "/members",
            params={"company": "Bulk Company 0", "offset": 20, "limit": 10},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        )
        if page.status_code != 200 or len(page.json()) != 10:
            raise RuntimeError(f"paged list: {page.status_code}: {page.text[:200]}")
        p50 = _p50_ms("paged list", calls, 200)
    return PagedList(count, count // companies, import_seconds, p50)
