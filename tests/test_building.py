"""Apps built after ``serve`` listens (mockserver.building): health's readiness, and requests that wait.

Deterministic: the builder's ``before_build`` hook holds one API's build on an event until the test
lets it go; nothing waits on the clock.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable

import httpx
import pytest

from mockserver.app import Sandbox
from mockserver.options import SERVERS, SandboxOptions
from mockserver.server import LiveServer
from mockserver.testing import async_client
from mockserver.vendors import vendor_names

HEALTH = "/__sandbox__/health"
NAMES = vendor_names()


def _held(api: str) -> tuple[Callable[[str], None], threading.Event, threading.Event]:
    """A ``before_build`` hook holding ``api``'s build: (hook, reached, release)."""
    reached, release = threading.Event(), threading.Event()

    def hold(building: str) -> None:
        if building == api:
            reached.set()
            assert release.wait(30), "the test never let the build go"

    return hold, reached, release


def _other(api: str) -> str:
    return next(name for name in NAMES if name != api)


@pytest.mark.parametrize("api", NAMES)
def test_a_request_to_an_api_being_built_waits_for_it_and_health_says_which_are_ready(api: str) -> None:
    first = _other(api)
    sandbox = Sandbox(SandboxOptions(apis=(first, api)), background=True)
    hold, reached, release = _held(api)
    sandbox.building.before_build = hold

    async def scenario() -> None:
        async with async_client(sandbox) as client:
            before = await client.get(HEALTH)
            assert (before.status_code, before.json()["status"]) == (503, "starting")
            assert before.json()["ready"] == []
            sandbox.building.start()
            assert await asyncio.to_thread(reached.wait, 30)
            held = await client.get(HEALTH)
            assert held.status_code == 503
            assert held.headers["retry-after"] == "1"
            assert (held.json()["ready"], held.json()["building"]) == ([first], [api])
            spec = sandbox.apis[api].spec_url
            waiting = asyncio.create_task(client.get(spec))
            for _ in range(20):
                await asyncio.sleep(0)  # a turn of the loop, not a wait on the clock
            assert not waiting.done()
            release.set()
            answer = await waiting
            assert answer.status_code == 200
            assert answer.json()["paths"]
            after = await client.get(HEALTH)
            assert after.status_code == 200
            assert after.json() == {"status": "ok", "seed": 0, "apis": [first, api], "ready": [first, api]}

    asyncio.run(scenario())


def test_a_build_that_fails_fails_its_requests_shows_in_health_and_is_reported() -> None:
    api = NAMES[-1]
    sandbox = Sandbox(SandboxOptions(apis=(NAMES[0], api)), background=True)
    reported: list[BaseException] = []
    sandbox.building.on_failure(reported.append)

    def broken(building: str) -> None:
        if building == api:
            raise RuntimeError("no app today")

    sandbox.building.before_build = broken
    sandbox.building.start()
    assert sandbox.building.wait(30)
    assert [str(error) for error in reported] == ["no app today"]

    async def scenario() -> None:
        async with async_client(sandbox) as client:
            health = await client.get(HEALTH)
            assert health.status_code == 503
            assert health.json()["status"] == "failed"
            assert health.json()["failed"] == {api: "RuntimeError: no app today"}
            assert health.json()["ready"] == [NAMES[0]]
            with pytest.raises(RuntimeError, match="no app today"):
                await client.get(sandbox.apis[api].spec_url)

    asyncio.run(scenario())


def test_in_process_every_app_is_built_before_the_sandbox_is_returned() -> None:
    sandbox = Sandbox(SandboxOptions(apis=(NAMES[0],)))
    status = sandbox.readiness()
    assert (status.ready, status.building, status.all_ready) == ((NAMES[0],), (), True)


@pytest.mark.parametrize("server", SERVERS)
def test_serve_builds_once_listening_and_answers_health_before_the_apis_are_ready(server: str) -> None:
    api = NAMES[0]
    sandbox = Sandbox(SandboxOptions(apis=(api,)), background=True)
    hold, reached, release = _held(api)
    sandbox.building.before_build = hold
    with LiveServer(sandbox, server=server) as live:
        assert reached.wait(30)  # started by the server once bound, not by a request
        assert httpx.get(f"{live.url}{HEALTH}", timeout=60).json()["building"] == [api]
        release.set()
        assert sandbox.building.wait(30)
        assert httpx.get(f"{live.url}{sandbox.apis[api].spec_url}", timeout=60).status_code == 200
        assert httpx.get(f"{live.url}{HEALTH}", timeout=60).status_code == 200


def test_serve_stops_with_the_error_when_a_build_fails() -> None:
    # In a process of its own: serve turns the process's garbage collector off while it starts.
    code = textwrap.dedent(
        f"""
        from mockserver import server
        from mockserver.app import Sandbox

        class Broken(Sandbox):
            def __init__(self, options, *, background=False):
                super().__init__(options, background=background)

                def broken(api):
                    raise RuntimeError(f"no {{api}} today")

                self.building.before_build = broken

        server.Sandbox = Broken
        try:
            server.serve(server.SandboxOptions(apis=({NAMES[0]!r},)), port=0, log_level="warning")
        except RuntimeError as exc:
            print("raised:", exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == f"raised: no {NAMES[0]} today"


# What serve's start must not import: the contract kit's dependencies, the test tools, what only some
# requests use (Absorb's filters, SkyPrep's workbooks) and WebSocket implementations.
UNUSED_BY_SERVE = (
    *("contracts", "schemathesis", "hypothesis", "pytest", "_pytest", "openpyxl"),
    *("odata_query", "xlsxwriter", "websockets", "wsproto"),
)


def test_serves_start_leaves_the_contract_kit_test_tools_and_request_only_modules_unimported() -> None:
    code = (
        "import sys\n"
        "from mockserver.cli import build_parser\n"
        "build_parser().parse_args(['serve'])\n"
        "from mockserver.server import make_server\n"
        "from mockserver.app import create_app\n"
        "make_server(create_app()).config.load()\n"
        f"print(sorted(m for m in {UNUSED_BY_SERVE!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
