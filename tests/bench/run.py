"""Benchmarks for lms-sandbox (run by `make bench`; never part of the test suite).

Measures: app start-up, reset, in-process request throughput for a read and a write, whether
ApprentiScope creates slow down as users accumulate, request latency with 100k imported users,
and the memory one app holds. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from mockserver import create_app
from mockserver.testing import sync_client

AUTH = {"Authorization": "sandbox-apprentiscope-token"}
SKYPREP = {"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"}
SKYPREP_HEADERS = {"X-SkyPrep-API-Key": SKYPREP["api_key"], "X-SkyPrep-Acct-Key": SKYPREP["acct_key"]}
DFE = {"Ocp-Apim-Subscription-Key": "sandbox-subscription-key", "X-Version": "2"}


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def _report(name: str, samples: list[float], unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1
    print(
        f"{name:<34} median {statistics.median(samples) * scale:8.2f} {unit}"
        f"   min {min(samples) * scale:8.2f} {unit}   n={len(samples)}"
    )


def _throughput(label: str, call: Callable[[], httpx.Response], requests: int) -> None:
    first = call()
    if first.status_code >= 400:
        raise SystemExit(f"{label}: the sandbox answered {first.status_code}: {first.text[:200]}")
    started = time.perf_counter()
    for _ in range(requests):
        call()
    elapsed = time.perf_counter() - started
    print(f"{label:<34} {requests / elapsed:8.0f} req/s in-process ({elapsed / requests * 1000:.2f} ms each)")


def _user_body(n: int) -> dict[str, Any]:
    return {
        "user": {
            "first_name": "Bench",
            "last_name": f"User{n}",
            "email": f"bench.user{n}@bench.example",
            "user_type": "apprentice",
        }
    }


def _creates_in_a_row(count: int) -> None:
    """Per-request cost of the first and the last hundred of ``count`` creates: flat if nothing scans."""
    app = create_app(apis=("apprentiscope",))
    with sync_client(app, base_url="http://s/apprentiscope", headers=AUTH) as api:
        samples = []
        for n in range(count):
            started = time.perf_counter()
            response = api.post("/create-user", json=_user_body(n))
            samples.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise SystemExit(
                    f"create-user: the sandbox answered {response.status_code}: {response.text[:200]}"
                )
    first, last = samples[:100], samples[-100:]
    print(
        f"{f'{count} x POST /create-user':<34} first 100 {statistics.fmean(first) * 1000:6.2f} ms each"
        f"   last 100 {statistics.fmean(last) * 1000:6.2f} ms each"
    )


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


def _p50(label: str, calls: list[Callable[[], httpx.Response]], ok: int) -> None:
    samples = []
    for call in calls:
        started = time.perf_counter()
        response = call()
        samples.append(time.perf_counter() - started)
        if response.status_code != ok:
            raise SystemExit(f"{label}: the sandbox answered {response.status_code}: {response.text[:200]}")
    print(f"{label:<34} p50 {statistics.median(samples) * 1000:8.2f} ms   n={len(samples)}")


def _with_many_users(count: int, requests: int) -> None:
    """Latency of a read by id, a create and a one-user filter with ``count`` users imported."""
    app = create_app(apis=("apprentiscope",))
    with (
        sync_client(app, base_url="http://s/__sandbox__") as control,
        sync_client(app, base_url="http://s/apprentiscope", headers=AUTH) as api,
    ):
        state = control.get("/state/apprentiscope").json()
        partners = [p for p in state["collections"]["partners"].values() if p["type"] == "employer"]
        programs = list(state["collections"]["occupations"])
        users = state["collections"]["users"]
        users.update({u["id"]: u for u in _bulk_users(count, [p["id"] for p in partners], programs)})
        started = time.perf_counter()
        imported = control.put("/state/apprentiscope", json=state)
        if imported.status_code != 200:
            raise SystemExit(f"import: the sandbox answered {imported.status_code}: {imported.text[:200]}")
        print(f"{f'PUT /state ({len(users)} users)':<34} {(time.perf_counter() - started):8.2f} s")
        picks = [f"bulk{n:015d}" for n in range(0, count, max(1, count // requests))][:requests]
        _p50(
            f"GET /read-user/{{id}} ({count // 1000}k)",
            [lambda u=u: api.get(f"/read-user/{u}") for u in picks],
            200,
        )
        _p50(
            f"POST /create-user ({count // 1000}k)",
            [lambda n=n: api.post("/create-user", json=_user_body(n)) for n in range(requests)],
            201,
        )
        wanted = [int(u.removeprefix("bulk")) for u in picks if int(u.removeprefix("bulk")) % 6 < 3]
        _p50(
            f"GET /read-users?email= ({count // 1000}k)",
            [
                lambda n=n: api.get("/read-users/apprentice", params={"email": f"bulk.user{n}@bench.example"})
                for n in wanted
            ],
            200,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500, help="requests per throughput run")
    parser.add_argument("--users", type=int, default=100_000, help="users imported for the latency runs")
    args = parser.parse_args()

    _report("create_app (all APIs)", _timed(create_app, 5))
    app = create_app(apis=("apprentiscope",))
    _report("reset (apprentiscope)", _timed(app.reset, 20))

    with sync_client(app, base_url="http://s/apprentiscope", headers=AUTH) as api:
        uid = api.get("/read-users/apprentice").json()[0]["id"]
        for label, call in (
            ("GET /read-user/{id}", lambda: api.get(f"/read-user/{uid}")),
            ("GET /read-users/all", lambda: api.get("/read-users/all")),
            (
                "POST /create-partner",
                lambda: api.post("/create-partner", json={"item": {"title": "Bench Co", "type": "employer"}}),
            ),
        ):
            _throughput(label, call, args.requests)

    # The gateway's limit would answer 429 after 150 requests; the bench measures the search itself.
    dfe = create_app(apis=("dfe",), rate_limits={"dfe": "1000000/minute"})
    _report("reset (dfe)", _timed(dfe.reset, 20))
    near = {"Lat": 52.481, "Lon": -1.8995, "DistanceInMiles": 50, "Sort": "DistanceAsc", "PageSize": 20}
    with sync_client(dfe, base_url="http://s/apprenticeships/vacancies", headers=DFE) as adverts:
        for label, call in (
            ("GET /vacancy/{ref} (DfE v2)", lambda: adverts.get("/vacancy/1000012345")),
            ("GET /vacancy?Lat&Lon&Distance...", lambda: adverts.get("/vacancy", params=near)),
            ("GET /vacancy?IncludeDetails", lambda: adverts.get("/vacancy?IncludeDetails=true&PageSize=100")),
        ):
            _throughput(label, call, args.requests)

    # SkyPrep's limit is 100 calls a minute per client IP; the bench measures the calls themselves.
    sky = create_app(apis=("skyprep",), rate_limits={"skyprep": "1000000/minute"})
    with sync_client(sky, base_url="http://s/skyprep/admin/api") as calls:
        counter = itertools.count()
        for label, call in (
            (
                "POST get_user (SkyPrep, JSON keys)",
                lambda: calls.post("/get_user", json={**SKYPREP, "user_id": 1}),
            ),
            (
                "GET get_userGet (SkyPrep, headers)",
                lambda: calls.get("/get_user?user_id=1", headers=SKYPREP_HEADERS),
            ),
            (
                "POST create_user (SkyPrep, form)",
                lambda: calls.post(
                    "/create_user", data={**SKYPREP, "email": f"bench{next(counter)}@example.com"}
                ),
            ),
        ):
            _throughput(label, call, args.requests)

    _creates_in_a_row(1000)
    _with_many_users(args.users, 40)

    tracemalloc.start()
    kept = create_app()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'memory of one app':<34} {current / 2**20:8.1f} MiB held, {peak / 2**20:.1f} MiB peak")
    del kept


if __name__ == "__main__":
    main()
