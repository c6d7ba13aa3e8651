"""Sessions (``X-Sandbox-Session`` / ``/__session__/NAME``): one served sandbox, a state per test run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contracts.workflows.stress import profile_for, stressed_apis
from mockserver import Sandbox, create_app
from mockserver.server import LiveServer
from mockserver.sessions import InvalidSessionName, Sessions, TooManySessions, check_name
from mockserver.testing import async_client, sync_client
from mockserver.vendors import REGISTRY, get_vendor

from .test_restore_ids import MAKERS, _id_of

SESSION = "X-Sandbox-Session"
TOKEN = {"Authorization": "sandbox-apprentiscope-token"}
USER = {"first_name": "Ada", "last_name": "Session", "user_type": "apprentice"}


@pytest.fixture
def shared(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The suite's sandbox; its sessions forgotten afterwards, the test failed if one raised."""
    yield sandbox
    errors = [e for s in sandbox.sessions._sessions.values() for e in s.state.errors]
    sandbox.sessions.close()
    assert not errors, f"the sandbox raised in a session: {errors!r}"


@pytest.fixture(scope="module")
def small() -> Iterator[Sandbox]:
    """ApprentiScope alone, for tests that change the registry's settings (limit, clock)."""
    app = create_app(apis=("apprentiscope",), session_limit=3, session_ttl=60)
    yield app
    app.close()


@pytest.fixture
def one(small: Sandbox) -> Iterator[Sandbox]:
    small.reset(0)
    yield small
    small.sessions.close()


def _create(client: httpx.Client, email: str, **headers: str) -> str:
    made = client.post("/apprentiscope/create-user", json={"user": {**USER, "email": email}}, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _emails(client: httpx.Client, **headers: str) -> set[str]:
    listed = client.get("/apprentiscope/read-users/all", headers=headers)
    assert listed.status_code == 200, listed.text
    return {u["email"] for u in listed.json()}


# Two sessions of every vendor, through its stress profile's creates and lists.


class _Writer:
    """A stress-profile client (``contracts.workflows.stress.Client``) in one session, in process."""

    def __init__(self, http: httpx.AsyncClient, name: str) -> None:
        from contracts.workflows.stress import Ledger

        self.http = http
        self.number = 0
        self.ledger = Ledger()
        self.random = __import__("random").Random(f"sessions:{name}")

    async def call(self, method: str, path: str, *, expect: Any, what: str, **kwargs: Any) -> Any:
        answer = await self.http.request(method, path, **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        assert answer.status_code in expected, f"{what}: {answer.status_code} {answer.text[:300]}"
        return answer.json() if answer.content else None


async def _session_run(
    app: Sandbox, api: str, session: str | None, creates: int
) -> tuple[set[str], set[str]]:
    """The ids of ``creates`` records made in ``session`` through ``api``'s stress profile, then the
    ids its lists answer there."""
    vendor = get_vendor(api)
    info = app.apis[api]
    headers = {**vendor.client_headers, **({SESSION: session} if session else {})}
    auth = vendor.credentials.auth(info.credentials[0], clock=app.default.clock, base_url=info.prefix)
    profile_type = profile_for(api)
    assert profile_type is not None
    profile = profile_type()
    async with (
        async_client(app, base_url=f"http://sandbox{info.prefix}", headers=headers, auth=auth) as http,
        async_client(app, headers=headers) as control,
    ):
        writer = _Writer(http, session or "default")
        state = (await control.get(f"/__sandbox__/state/{api}")).json()
        await profile.prepare(writer, state)
        for number in range(creates):
            await profile.create(writer, f"{session}-{number}")
        # What the API lists, or, for one that lists nothing it writes (DfE's progress), its export.
        listed = (
            await profile.listed(writer)
            if profile.lists
            else {
                c: list(r)
                for c, r in (await control.get(f"/__sandbox__/state/{api}")).json()["collections"].items()
            }
        )
    made = {f"{collection}/{key}" for (collection, key) in writer.ledger.records}
    return made, {f"{collection}/{rid}" for collection, ids in listed.items() for rid in ids}


@pytest.mark.parametrize("api", stressed_apis())
def test_two_sessions_create_list_and_reset_without_seeing_each_other(shared: Sandbox, api: str) -> None:
    async def run() -> None:
        base = len((await _session_run(shared, api, None, 0))[1])
        made_a, _ = await _session_run(shared, api, "a", 2)
        made_b, _ = await _session_run(shared, api, "b", 1)
        assert len(made_a) >= 2
        assert made_b
        listed_a, listed_b, listed_default = [
            (await _session_run(shared, api, s, 0))[1] for s in ("a", "b", None)
        ]
        # Counted, and by id: numbered ids (SkyPrep's) count per session, so two sessions share some.
        assert made_a <= listed_a
        assert len(listed_a) == base + len(made_a)
        assert made_b <= listed_b
        assert len(listed_b) == base + len(made_b)
        assert not (made_b - made_a) & listed_a
        assert not (made_a - made_b) & listed_b
        assert len(listed_default) == base
        assert not (made_a | made_b) <= listed_default
        async with async_client(shared, headers={SESSION: "a"}) as control:
            assert (await control.post("/__sandbox__/reset")).status_code == 200
        assert len((await _session_run(shared, api, "a", 0))[1]) == base
        assert made_b <= (await _session_run(shared, api, "b", 0))[1]

    asyncio.run(run())


def test_every_vendor_in_the_registry_is_written_by_the_session_test() -> None:
    assert set(stressed_apis()) == set(REGISTRY)


@pytest.mark.parametrize("api", sorted(MAKERS))
def test_ids_made_in_a_session_never_collide_with_its_imported_records(shared: Sandbox, api: str) -> None:
    # The default session's records, creates included, imported into a session: its creates skip them.
    factory_type = __import__("mockserver.vendors", fromlist=["load"]).load(get_vendor(api).factory)
    default_made = {
        str(_id_of(MAKERS[api](factory_type(shared.store, shared.store.vendor(api))))) for _ in "ab"
    }
    with sync_client(shared) as client:
        exported = client.get(f"/__sandbox__/state/{api}").json()
        imported = client.put(f"/__sandbox__/state/{api}", json=exported, headers={SESSION: "ids"})
        assert imported.status_code == 200, imported.text
    with shared.sessions.using("ids"):
        data = shared.store.vendor(api)
        held = {str(rid) for records in data.collections.values() for rid in records}
        assert default_made <= held
        made = [str(_id_of(MAKERS[api](factory_type(shared.store, data)))) for _ in range(30)]
    assert len(set(made)) == 30
    assert not set(made) & held


def test_two_sessions_draw_different_ids_and_one_session_the_same_on_every_run(one: Sandbox) -> None:
    with sync_client(one, headers=TOKEN) as client:
        first = {name: _create(client, f"{name}@example.com", **{SESSION: name}) for name in ("a", "b")}
        assert first["a"] != first["b"]
        assert _create(client, "default@example.com") not in first.values()
        assert client.delete("/__sandbox__/sessions/a").status_code == 204
        assert _create(client, "a@example.com", **{SESSION: "a"}) == first["a"]


def test_a_fork_knows_the_ids_of_the_collections_it_has_not_copied(shared: Sandbox) -> None:
    seeded = next(iter(shared.default.store.vendor("apprentiscope").collection("users")))
    with shared.sessions.using("pending"):
        data = shared.store.vendor("apprentiscope")
        assert data.copied()[0] == 0
        assert data.taken(seeded)
        drawn = iter([seeded, "a-fresh-id"])
        assert data.fresh(lambda: next(drawn)) == "a-fresh-id"
        assert data.copied()[0] == 0
        # Drawing for one collection copies it first, then checks it.
        drawn = iter([seeded, "another-id"])
        assert data.fresh(lambda: next(drawn), "users") == "another-id"
        assert data.copied()[0] == 1
        assert seeded in data.collection("users")


# The path prefix, for clients that cannot add headers.


def test_the_path_prefix_names_a_session_and_links_stay_inside_it(one: Sandbox) -> None:
    with sync_client(one, headers=TOKEN) as client:
        made = client.post(
            "/__session__/p1/apprentiscope/create-user", json={"user": {**USER, "email": "p@example.com"}}
        )
        assert made.status_code == 201, made.text
        assert "p@example.com" in _emails(client, **{SESSION: "p1"})
        assert "p@example.com" not in _emails(client)
        read = client.get(f"/__session__/p1/apprentiscope/read-user/{made.json()['id']}")
        assert read.status_code == 200
        apis = client.get("/__session__/p1/__sandbox__/apis").json()
        assert apis[0]["base_url"] == "http://sandbox/__session__/p1/apprentiscope"
        journal = client.get("/__session__/p1/__sandbox__/journal").json()
        assert [e["operation_id"] for e in journal["entries"]] == ["createUser", "readUsers", "readUser"]


@pytest.mark.parametrize("path", ["/__session__/p2", "/__session__/p2/", "/__session__/p2/__sandbox__/"])
def test_the_index_under_a_session_prefix_links_inside_the_session(one: Sandbox, path: str) -> None:
    with sync_client(one) as client:
        index = client.get(path, headers={"Accept": "application/json"})
        assert index.status_code == 200, index.text
        assert index.json()["base_url"] == "http://sandbox/__session__/p2"
        assert index.json()["apis"][0]["base_url"] == "http://sandbox/__session__/p2/apprentiscope"


def test_under_root_only_the_header_names_a_session() -> None:
    app = create_app(apis=("apprentiscope",), root=True)
    with sync_client(app, headers=TOKEN) as client:
        made = client.post(
            "/create-user", json={"user": {**USER, "email": "r@example.com"}}, headers={SESSION: "r"}
        )
        assert made.status_code == 201, made.text
        assert "r@example.com" in {
            u["email"] for u in client.get("/read-users/all", headers={SESSION: "r"}).json()
        }
        assert "r@example.com" not in {u["email"] for u in client.get("/read-users/all").json()}
        assert client.get("/__session__/r/read-users/all").status_code == 404
    app.close()


# The control plane, per session.


def test_the_journal_faults_and_clock_of_a_session_are_its_own(one: Sandbox) -> None:
    with sync_client(one, headers=TOKEN) as client:
        in_a = {SESSION: "a"}
        fault = client.post(
            "/__sandbox__/faults", json={"api": "apprentiscope", "status": 503, "times": 1}, headers=in_a
        )
        assert fault.status_code == 201
        client.post("/__sandbox__/clock/advance", json={"days": 3}, headers=in_a)
        assert client.get("/apprentiscope/read-users/all", headers=in_a).status_code == 503
        assert client.get("/apprentiscope/read-users/all", headers={SESSION: "b"}).status_code == 200
        assert client.get("/apprentiscope/read-users/all").status_code == 200
        assert client.get("/__sandbox__/faults").json() == []
        assert client.get("/__sandbox__/faults", headers={SESSION: "b"}).json() == []
        assert client.get("/__sandbox__/clock").json()["offset_seconds"] < 60
        assert client.get("/__sandbox__/clock", headers=in_a).json()["offset_seconds"] > 2 * 86400
        journals = {
            name: [e["status"] for e in client.get("/__sandbox__/journal", headers=h).json()["entries"]]
            for name, h in (("a", in_a), ("b", {SESSION: "b"}), ("default", {}))
        }
        assert journals == {"a": [503], "b": [200], "default": [200]}
        client.post("/__sandbox__/reset", headers=in_a)
        assert client.get("/__sandbox__/clock", headers=in_a).json()["offset_seconds"] < 60
        assert client.get("/__sandbox__/journal", headers={SESSION: "b"}).json()["total"] == 1


def test_snapshots_export_and_import_act_on_the_session_only(one: Sandbox) -> None:
    with sync_client(one, headers=TOKEN) as client:
        in_a = {SESSION: "a"}
        _create(client, "before@example.com", **in_a)
        saved = client.post("/__sandbox__/snapshots", json={"name": "s1"}, headers=in_a)
        assert saved.status_code == 201
        assert client.get("/__sandbox__/snapshots").json() == {"snapshots": []}
        assert client.post("/__sandbox__/snapshots/s1/restore", headers={SESSION: "b"}).status_code == 404
        _create(client, "after@example.com", **in_a)
        assert client.post("/__sandbox__/snapshots/s1/restore", headers=in_a).status_code == 200
        assert {"before@example.com"} == _emails(client, **in_a) - _emails(client)
        exported = client.get("/__sandbox__/state/apprentiscope", headers=in_a).json()
        assert (
            client.put("/__sandbox__/state/apprentiscope", json=exported, headers={SESSION: "c"}).status_code
            == 200
        )
        assert "before@example.com" in _emails(client, **{SESSION: "c"})
        assert "before@example.com" not in _emails(client)
        assert "before@example.com" not in _emails(client, **{SESSION: "b"})


def test_webhook_registrations_and_rate_limit_windows_are_per_session(shared: Sandbox) -> None:
    with sync_client(shared) as client:
        in_a = {SESSION: "a"}
        hook = {"url": "http://127.0.0.1:9/hook"}
        api = next(name for name, v in REGISTRY.items() if v.webhook_events)
        assert client.post(f"/__sandbox__/webhooks/{api}", json=hook, headers=in_a).status_code == 200
        assert client.get(f"/__sandbox__/webhooks/{api}", headers=in_a).json()["urls"] == [hook["url"]]
        assert client.get(f"/__sandbox__/webhooks/{api}").json()["urls"] == []
    limited = next(name for name, v in REGISTRY.items() if v.rate_limit is not None)
    app = create_app(apis=(limited,), rate_limits={limited: "2 per hour"})
    vendor, info = get_vendor(limited), app.apis[limited]
    auth = vendor.credentials.auth(info.credentials[0], clock=app.default.clock, base_url=info.prefix)
    with sync_client(
        app, base_url=f"http://sandbox{info.prefix}", headers=vendor.client_headers, auth=auth
    ) as c:
        path = next(
            op.path for op in app.contexts[limited].index.every() if op.method == "GET" and "{" not in op.path
        )
        assert vendor.rate_limit is not None
        refused = vendor.rate_limit.status
        assert [c.get(path, headers=in_a).status_code for _ in range(3)] == [200, 200, refused]
        assert c.get(path, headers={SESSION: "b"}).status_code == 200
        assert c.get(path).status_code == 200
        assert c.post("http://sandbox/__sandbox__/reset", headers=in_a).status_code == 200
        assert c.get(path, headers=in_a).status_code == 200
    app.close()


# Listing, deleting, expiry and the limit.


def test_sessions_are_listed_with_their_records_and_deleted(one: Sandbox) -> None:
    with sync_client(one, headers=TOKEN) as client:
        before = len(_emails(client))
        _create(client, "listed@example.com", **{SESSION: "a"})
        _emails(client, **{SESSION: "b"})
        listed = client.get("/__sandbox__/sessions").json()
        assert [s["name"] for s in listed["sessions"]] == ["a", "b"]
        records = {s["name"]: s["records"]["apprentiscope"] for s in listed["sessions"]}
        assert records["a"] == records["b"] + 1
        assert listed["sessions"][0]["memory_estimate_bytes"] > 0
        assert listed["sessions"][0]["journal_entries"] == 1
        assert client.delete("/__sandbox__/sessions/a").status_code == 204
        assert client.delete("/__sandbox__/sessions/a").status_code == 404
        assert [s["name"] for s in client.get("/__sandbox__/sessions").json()["sessions"]] == ["b"]
        assert "listed@example.com" not in _emails(client, **{SESSION: "a"})
        assert len(_emails(client)) == before


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_session_expires_on_the_registry_clock(one: Sandbox) -> None:
    clock = _Clock()
    one.sessions.clock = clock
    try:
        with sync_client(one, headers=TOKEN) as client:
            _create(client, "kept@example.com", **{SESSION: "old"})
            clock.now += 59
            _create(client, "fresh@example.com", **{SESSION: "young"})
            clock.now += 2  # "old" unused for 61 s, past the 60 s TTL; "young" for 2 s
            assert [s["name"] for s in client.get("/__sandbox__/sessions").json()["sessions"]] == ["young"]
            assert "kept@example.com" not in _emails(client, **{SESSION: "old"})
            assert "fresh@example.com" in _emails(client, **{SESSION: "young"})
    finally:
        one.sessions.clock = __import__("time").monotonic


def test_a_session_in_use_does_not_expire() -> None:
    clock = _Clock()
    sessions = Sessions(lambda name: _state_stub(), ttl=10, limit=5, clock=clock)
    with sessions.using("busy"):
        clock.now += 100
        sessions.open("other")
        assert sessions.get("busy") is not None
    clock.now += 11
    assert sessions.expire() == ["busy", "other"]


def _state_stub() -> Any:
    class Hooks:
        def close(self, *, wait: bool = True) -> None:
            pass

    return type("State", (), {"webhooks": Hooks()})()


def test_past_the_limit_a_new_session_is_refused_in_the_apis_own_format(one: Sandbox) -> None:
    with sync_client(one, headers=TOKEN) as client:
        for name in ("a", "b", "c"):
            _create(client, f"{name}@example.com", **{SESSION: name})
        refused = client.get("/apprentiscope/read-users/all", headers={SESSION: "d"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "60"
        assert "3 sessions are open" in refused.json()["message"]
        control = client.get("/__sandbox__/journal", headers={SESSION: "d"})
        assert control.status_code == 503
        assert control.headers["content-type"] == "application/problem+json"
        assert client.get("/apprentiscope/read-users/all", headers={SESSION: "a"}).status_code == 200
        assert client.get("/apprentiscope/read-users/all").status_code == 200
        assert client.delete("/__sandbox__/sessions/a").status_code == 204
        assert client.get("/apprentiscope/read-users/all", headers={SESSION: "d"}).status_code == 200


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "..", "é", "a/b", "semi;colon"])
def test_a_bad_session_name_is_refused_with_a_400(one: Sandbox, name: str) -> None:
    with pytest.raises(InvalidSessionName):
        check_name(name)
    with sync_client(one, headers=TOKEN) as client:
        answer = client.get("/apprentiscope/read-users/all", headers={SESSION: name.encode("utf-8")})
        assert answer.status_code == 400
        assert "session name" in answer.json()["message"]
        control = client.get("/__sandbox__/faults", headers={SESSION: name.encode("utf-8")})
        assert control.status_code == 400
        assert control.json()["title"] == "Bad Request"
    assert len(one.sessions) == 0


@pytest.mark.parametrize("name", ["a", "ci-job_42.1", "x" * 64, "a.."])
def test_good_session_names_are_taken(name: str) -> None:
    assert check_name(name) == name


def test_a_limit_of_zero_refuses_every_session() -> None:
    sessions = Sessions(lambda name: _state_stub(), limit=0)
    with pytest.raises(TooManySessions):
        sessions.open("a")


# The default session.


def test_the_default_session_and_the_state_file_are_untouched_by_session_writes(tmp_path: Any) -> None:
    path = tmp_path / "state.db"
    app = create_app(apis=("apprentiscope",), state_file=path)
    with sync_client(app, headers=TOKEN) as client:
        before = _emails(client)
        _create(client, "default@example.com")
        _create(client, "session@example.com", **{SESSION: "a"})
        assert _emails(client) == before | {"default@example.com"}
        assert [e["operation_id"] for e in client.get("/__sandbox__/journal").json()["entries"]] == [
            "readUsers",
            "createUser",
            "readUsers",
        ]
    app.close()
    again = create_app(apis=("apprentiscope",), state_file=path)
    with sync_client(again, headers=TOKEN) as client:
        emails = _emails(client)
        assert "default@example.com" in emails
        assert "session@example.com" not in emails
        assert "session@example.com" not in _emails(client, **{SESSION: "a"})
    again.close()


# Over a real socket: the "done when".


def test_two_clients_in_two_sessions_over_a_socket_create_list_and_reset_apart() -> None:
    app = create_app(apis=("apprentiscope",))
    with LiveServer(app) as live:
        clients = {
            name: httpx.Client(base_url=live.url, headers={**TOKEN, SESSION: name}, timeout=10)
            for name in ("job-1", "job-2")
        }
        try:
            made = {name: _create(c, f"{name}@example.com") for name, c in clients.items()}
            for name, c in clients.items():
                other = "job-2" if name == "job-1" else "job-1"
                emails = _emails(c)
                assert f"{name}@example.com" in emails
                assert f"{other}@example.com" not in emails
                # Ids are a session's own: the other's first create has its id, and its own email.
                assert (
                    c.get(f"/apprentiscope/read-user/{made[name]}").json()["email"] == f"{name}@example.com"
                )
            assert clients["job-1"].post("/__sandbox__/reset").status_code == 200
            assert "job-1@example.com" not in _emails(clients["job-1"])
            assert "job-2@example.com" in _emails(clients["job-2"])
        finally:
            for c in clients.values():
                c.close()
    app.close()
