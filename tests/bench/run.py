"""Benchmarks for lms-sandbox (run by `make bench`; never part of the test suite).

Measures: app start-up, reset (reseeding), in-process request throughput for a read and a write,
and the memory one app holds. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable

import httpx

from mockserver import create_app
from mockserver.testing import sync_client

AUTH = {"Authorization": "sandbox-apprentiscope-token"}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500, help="requests per throughput run")
    args = parser.parse_args()

    _report("create_app (all APIs)", _timed(create_app, 5))
    app = create_app(apis=("apprentiscope",))
    _report("reset (reseed apprentiscope)", _timed(app.reset, 20))

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
    _report("reset (reseed dfe)", _timed(dfe.reset, 20))
    near = {"Lat": 52.481, "Lon": -1.8995, "DistanceInMiles": 50, "Sort": "DistanceAsc", "PageSize": 20}
    with sync_client(dfe, base_url="http://s/apprenticeships/vacancies", headers=DFE) as adverts:
        for label, call in (
            ("GET /vacancy/{ref} (DfE v2)", lambda: adverts.get("/vacancy/1000012345")),
            ("GET /vacancy?Lat&Lon&Distance...", lambda: adverts.get("/vacancy", params=near)),
            ("GET /vacancy?IncludeDetails", lambda: adverts.get("/vacancy?IncludeDetails=true&PageSize=100")),
        ):
            _throughput(label, call, args.requests)

    tracemalloc.start()
    kept = create_app()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'memory of one app':<34} {current / 2**20:8.1f} MiB held, {peak / 2**20:.1f} MiB peak")
    del kept


if __name__ == "__main__":
    main()
