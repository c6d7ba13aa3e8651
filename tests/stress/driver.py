"""The concurrent writers of one API, and the checks after them.

Each client is its own ``httpx.AsyncClient`` (its own connection) with the vendor's credential scheme
as its auth: keys where the vendor takes them, the login token (one login, shared, since a new login
revokes the last), or a fresh single-use JWT per request. A client makes ``creates`` creates, and after
each, by its own seeded dice, adds to a derived view (half the time), updates (half the time) and
deletes (a quarter of the time) one of its own records; what it does is the vendor's stress profile.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.workflows.stress import (
    CONTRIBUTE,
    DELETE,
    UPDATE,
    Ledger,
    Rejected,
    StressProfile,
    ViewCheck,
    profile_for,
)
from mockserver.exposure import control_headers
from mockserver.vendors import get_vendor
from tests.stress.verify import ledger_problems, list_problems

CONTROL = "/__sandbox__"
# How often, after each create, a client does each other kind of write (to one of its own records).
CHANCE = {CONTRIBUTE: 0.5, UPDATE: 0.5, DELETE: 0.25}
TIMEOUT = 120.0
# Problems kept per API (all are counted): one broken rule can fail thousands of calls alike.
KEPT = 50


@dataclass
class Result:
    """What one API's run did and found."""

    api: str
    clients: int
    creates: int
    seconds: float = 0.0
    # The answers of the writers' load, then those of the checks after it (lists, views).
    statuses: Counter[int] = field(default_factory=Counter)
    check_statuses: Counter[int] = field(default_factory=Counter)
    checking: bool = False
    transport_errors: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    listed: dict[str, int] = field(default_factory=dict)
    views: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.transport_errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_errors(self) -> int:
        answers = self.statuses + self.check_statuses
        return sum(n for status, n in answers.items() if status >= 500)

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < KEPT:
            self.problems.append(text)


class HttpClient:
    """One concurrent writer (the ``contracts.workflows.stress.Client`` a profile is handed)."""

    def __init__(self, number: int, http: httpx.AsyncClient, ledger: Ledger, result: Result) -> None:
        self.number = number
        self.http = http
        self.ledger = ledger
        self.result = result
        self.random = random.Random(f"stress:{result.api}:{number}")

    async def call(
        self, method: str, path: str, *, expect: int | tuple[int, ...], what: str, **kwargs: Any
    ) -> Any:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.result.transport_errors += 1
            raise Rejected(f"{what}: {type(exc).__name__}: {exc}") from exc
        expected = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expected:
            raise Rejected(f"{what} {method} {path}", response.status_code, response.text)
        return response.json() if response.content else None


def _client(base_url: str, api: str, result: Result, auth: httpx.Auth) -> httpx.AsyncClient:
    async def count(response: httpx.Response) -> None:
        (result.check_statuses if result.checking else result.statuses)[response.status_code] += 1

    vendor = get_vendor(api)
    return httpx.AsyncClient(
        base_url=f"{base_url}{vendor.prefix}",
        headers=dict(vendor.client_headers),
        auth=auth,
        timeout=TIMEOUT,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        event_hooks={"response": [count]},
    )


async def _writer(profile: StressProfile, client: HttpClient, creates: int, nonce: str) -> None:
    handles: list[Any] = []
    dice = client.random
    for n in range(creates):
        # Lower-case letters and digits: valid in every vendor's emails, usernames and names.
        tag = f"s{nonce}c{client.number}n{n}"
        try:
            handles.append(await profile.create(client, tag))
            if CONTRIBUTE in profile.does and dice.random() < CHANCE[CONTRIBUTE]:
                await profile.contribute(client, dice.choice(handles), tag)
            if UPDATE in profile.does and dice.random() < CHANCE[UPDATE]:
                await profile.update(client, dice.choice(handles), tag)
            if DELETE in profile.does and dice.random() < CHANCE[DELETE]:
                chosen = dice.choice(handles)
                if await profile.delete(client, chosen):
                    handles.remove(chosen)
        except Rejected as exc:
            client.result.problem(f"client {client.number}: {exc}")


async def _viewer(checks: Iterator[ViewCheck], client: HttpClient) -> int:
    done = 0
    for check in checks:  # shared by every viewer: each check runs once
        try:
            problem = await check(client)
        except Rejected as exc:
            problem = str(exc)
        if problem:
            client.result.problem(problem)
        done += 1
    return done


async def stress(base_url: str, api: str, *, clients: int, creates: int) -> Result:
    """``clients`` concurrent writers of ``api`` at ``base_url`` (a running ``serve``), then every check."""
    profile_type = profile_for(api)
    if profile_type is None:
        raise LookupError(f"{api} has no stress profile (its descriptor names none)")
    profile = profile_type()
    result = Result(api, clients, creates)
    vendor = get_vendor(api)
    scheme = vendor.credentials
    # One auth for every client: a login scheme logs in once (a new login would revoke the last).
    auth = scheme.auth(scheme.defaults[0], base_url=f"{base_url}{vendor.prefix}")
    https = [_client(base_url, api, result, auth) for _ in range(clients)]
    try:
        writers = [HttpClient(n, http, result.ledger, result) for n, http in enumerate(https)]
        # The server inherits LMS_SANDBOX_CONTROL_TOKEN, if set: its control plane then needs it.
        async with httpx.AsyncClient(
            base_url=f"{base_url}{CONTROL}", timeout=TIMEOUT, headers=control_headers()
        ) as control:
            before = await _export(control, api)
            await profile.prepare(writers[0], before)
            nonce = secrets.token_hex(3)
            started = time.perf_counter()
            await asyncio.gather(*(_writer(profile, w, creates, nonce) for w in writers))
            result.seconds = time.perf_counter() - started
            result.checking = True
            after = await _export(control, api)
    finally:
        for http in https:
            await http.aclose()
    for problem in ledger_problems(result.ledger, before, after):
        result.problem(problem)
    # Fresh connections for the checks: the writers' sat idle while the export was read and checked,
    # and a connection the server closes for idleness just as it is reused fails the request.
    https = [_client(base_url, api, result, auth) for _ in range(clients)]
    try:
        checkers = [HttpClient(n, http, result.ledger, result) for n, http in enumerate(https)]
        try:
            listed = await profile.listed(checkers[0])
        except Rejected as exc:
            result.problem(f"listing: {exc}")
        else:
            result.listed = {c: len(ids) for c, ids in listed.items()}
            for problem in list_problems(listed, after, profile.listable):
                result.problem(problem)
        checks = iter(list(profile.views(after, result.ledger)))
        result.views = sum(await asyncio.gather(*(_viewer(checks, c) for c in checkers)))
    finally:
        for http in https:
            await http.aclose()
    if result.server_errors:
        result.problem(f"{result.server_errors} answers were 5xx")
    return result


async def _export(control: httpx.AsyncClient, api: str) -> dict[str, Any]:
    response = await control.get(f"/state/{api}")
    response.raise_for_status()
    state: dict[str, Any] = response.json()
    return state
