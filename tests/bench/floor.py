"""Connexion's floor: stock Connexion 3 answering each benchmarked request with a constant, on serve's server.

The sandbox keeps Connexion as the framework that owns its specs and validation (issue 23's constraint),
so no endpoint can be faster than Connexion itself. This measures that ceiling: an ``AsyncApp`` with stock
settings, one operation per benchmarked method and path (its request body a JSON object, no security, no
parameters), an ``async`` handler that returns ``{"ok": true}`` and nothing else: no store, journal,
auth, faults or vendor middleware. ``make bench`` runs it as one more server beside Prism and WireMock, on
the same HTTP server as ``serve`` (Granian by default), and reports each endpoint's 2x-Prism bar against it.

Run as a child process: ``python -m tests.bench.floor ROUTES.json --port P [--server granian|uvicorn]``,
where the routes file is a JSON list of ``[method, path]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ROUTES_ENV = "LMS_BENCH_FLOOR_ROUTES"
ANSWER = {"ok": True}


async def noop(**_arguments: Any) -> dict[str, bool]:
    """The whole handler: what stock Connexion costs around an operation that does nothing."""
    return ANSWER


def document(routes: list[tuple[str, str]]) -> dict[str, Any]:
    """An OpenAPI document with one operation per (method, path): stock Connexion's cheapest shape."""
    paths: dict[str, dict[str, Any]] = {}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    for n, (method, path) in enumerate(sorted(set(routes))):
        operation: dict[str, Any] = {"operationId": f"floor{n}", "responses": ok}
        if method.upper() != "GET":
            operation["requestBody"] = {
                "required": False,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        paths.setdefault(path.split("?")[0], {})[method.lower()] = operation
    return {"openapi": "3.0.3", "info": {"title": "Connexion floor", "version": "1"}, "paths": paths}


def application() -> Any:
    """The ASGI app (a factory: the servers import it by name), for the routes named by ``ROUTES_ENV``."""
    import connexion
    from connexion.resolver import Resolver

    routes = [(str(m), str(p)) for m, p in json.loads(Path(os.environ[ROUTES_ENV]).read_text())]
    app = connexion.AsyncApp(__name__)
    app.add_api(document(routes), resolver=Resolver(lambda _operation_id: noop), swagger_ui_options=None)
    return app


def command(routes: Path, port: int, server: str) -> tuple[list[str], dict[str, str]]:
    """The argv and environment that serve the floor on ``port`` (127.0.0.1)."""
    env = {**os.environ, ROUTES_ENV: str(routes), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "tests.bench.floor", str(routes), "--port", str(port), "--server", server]
    return argv, env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.floor", description=__doc__)
    parser.add_argument("routes", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server", choices=("granian", "uvicorn"), default="granian")
    args = parser.parse_args(argv)
    os.environ[ROUTES_ENV] = str(args.routes)
    target = "tests.bench.floor:application"
    if args.server == "uvicorn":
        import uvicorn

        uvicorn.run(
            target, factory=True, host="127.0.0.1", port=args.port, log_level="warning", access_log=False
        )
        return
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        target,
        address="127.0.0.1",
        port=args.port,
        interface=Interfaces.ASGI,
        workers=1,
        factory=True,
        websockets=False,
        log_enabled=False,
    ).serve()


if __name__ == "__main__":
    main()
