"""The pytest plugin, used as a downstream project would: test files run with ``pytester``.

Each test writes a small project (strict markers, warnings as errors) and runs pytest on it
in-process, which is cheap because the sandbox's modules are already imported; only the xdist run
uses a subprocess.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

SMALL_SCENARIO = """
api: apprentiscope
sizes: {occupations: 1, employers: 1, sponsors: 0, education_providers: 0, apprentices: 2,
        applicants: 0, mentors: 0, supervisors: 0, admins: 0}
"""


def test_plugin_is_registered_through_the_pytest11_entry_point(project: pytest.Pytester) -> None:
    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "lms_sandbox"]
    assert plugin.value == "mockserver.pytest_plugin"
    markers = project.runpytest("--markers")
    markers.stdout.fnmatch_lines(
        ["@pytest.mark.sandbox(seed=None, fixture=None, apis=None, faults=None, isolated=False): *"]
    )
    helped = project.runpytest("--help")
    helped.stdout.fnmatch_lines(["*--sandbox-seed=N*", "*--sandbox-fixture=FILE*"])


def test_in_process_clients_reach_the_api_with_credentials_attached(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        # anyio runs an async test once per installed backend; trio may be installed (selenium, of the
        # dev extra, brings it), and asyncio is the one this count is about.
        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        def test_sync_client(apprentiscope_sandbox):
            api = apprentiscope_sandbox.client
            assert api.headers["Authorization"] == "sandbox-apprentiscope-token"
            occupations = api.get("/read-occupations")
            assert occupations.request.url == "http://sandbox/apprentiscope/read-occupations"
            assert occupations.status_code == 200 and len(occupations.json()) == 6 + 1

        @pytest.mark.anyio
        async def test_async_client(apprentiscope_sandbox):
            response = await apprentiscope_sandbox.async_client.get("/read-partners/employer")
            assert response.status_code == 200 and response.json()

        def test_sandbox_gives_urls_credentials_and_a_whole_sandbox_client(sandbox):
            assert sandbox.base_url("apprentiscope") == "http://sandbox/apprentiscope"
            assert sandbox.credentials("apprentiscope") == ("sandbox-apprentiscope-token",)
            assert sandbox.headers("apprentiscope") == {"Authorization": "sandbox-apprentiscope-token"}
            health = sandbox.client().get("/__sandbox__/health").json()
            assert health["seed"] == 0 and "apprentiscope" in health["apis"]
            assert sandbox.client("apprentiscope").get("/read-occupations").status_code == 200

        def test_an_api_that_is_not_served_is_named(sandbox):
            with pytest.raises(LookupError, match="unknown API 'absorbb'; known: .*apprentiscope"):
                sandbox.vendor("absorbb")
        """
    )
    project.runpytest().assert_outcomes(passed=4)


def test_factories_create_records_as_the_read_operations_return_them(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        def test_user_grades_files_and_hours(apprentiscope_sandbox):
            factory, api = apprentiscope_sandbox.factory, apprentiscope_sandbox.client
            ada = factory.apprentice(first_name="Ada", apprentice_status="Suspended", middle_name=None)
            assert api.get(f"/read-user/{ada['id']}").json() == ada
            assert (ada["first_name"], ada["apprentice_status"]) == ("Ada", "Suspended")
            assert "middle_name" not in ada and ada["program_id"] and ada["company_id"]

            grades = factory.grades(ada, 3, score_received=88.5)
            assert api.get(f"/read-grades/{ada['id']}").json() == grades
            assert {g["score_received"] for g in grades} == {88.5}

            submission = factory.hours(ada, kind="rti", hours=2.5, day="2025-03-04")
            listed = api.get("/read-submissions/2", params={"start_date": "20250304"}).json()
            assert submission in listed and submission["total_hours"] == 2.5

            file = factory.file(ada, category="Transcript")
            assert apprentiscope_sandbox.state.record("files", file["id"]) == file

        def test_partners_occupations_and_invitations(apprentiscope_sandbox):
            factory, api = apprentiscope_sandbox.factory, apprentiscope_sandbox.client
            sponsor = factory.partner("sponsor", city="Nashville")
            assert api.get(f"/read-partner/{sponsor['id']}").json() == sponsor
            welder = factory.occupation(title="Welder")
            assert api.get(f"/read-occupation/{welder['id']}").json() == welder
            mentor = factory.user("mentor", program_id=welder["id"])
            assert api.get(f"/read-user/{mentor['id']}").json()["program_id"] == welder["id"]
            invitation = factory.invitation(email="new@example.com")
            assert apprentiscope_sandbox.state.find("invitations", email="new@example.com") == [invitation]
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_each_test_starts_from_the_seeded_data(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        def test_creates(apprentiscope_sandbox):
            api = apprentiscope_sandbox.client
            user = {"first_name": "A", "last_name": "B", "email": "ab@example.com", "user_type": "admin"}
            assert api.post("/create-user", json={"user": user}).status_code == 201
            apprentiscope_sandbox.factory.apprentice(email="made@example.com")
            apprentiscope_sandbox.factory.invitation()
            occupation = api.get("/read-occupations").json()[0]
            api.put(f"/update-occupation/{occupation['id']}", json={"item": {"title": "Changed"}})

        def test_finds_nothing_of_it(apprentiscope_sandbox):
            state = apprentiscope_sandbox.state
            assert state["invitations"] == []
            with pytest.raises(KeyError, match="apprentiscope has no collection 'user'; it has .*users"):
                state["user"]
            assert state.find("users", email="ab@example.com") == []
            assert state.find("users", email="made@example.com") == []
            assert "Changed" not in {o["title"] for o in state["occupations"]}
            assert apprentiscope_sandbox.all_calls() == []
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_live_server_answers_plain_httpx_and_urllib_on_127_0_0_1(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import json
        import urllib.request

        import httpx
        import pytest

        PORTS = []

        def test_httpx_sees_what_the_factory_made(sandbox_server, apprentiscope_sandbox):
            assert sandbox_server.host == "127.0.0.1" and sandbox_server.port > 0
            PORTS.append(sandbox_server.port)
            ada = apprentiscope_sandbox.factory.apprentice(email="live@example.com")
            base = sandbox_server.base_url("apprentiscope")
            assert base == f"http://127.0.0.1:{sandbox_server.port}/apprentiscope"
            auth = sandbox_server.headers("apprentiscope")
            assert httpx.get(f"{base}/read-user/{ada['id']}", headers=auth).json() == ada
            apprentiscope_sandbox.assert_called_once("readUser", path=f"/read-user/{ada['id']}")

        def test_urllib_on_the_same_server_after_a_reset(sandbox_server, apprentiscope_sandbox):
            PORTS.append(sandbox_server.port)
            url = sandbox_server.base_url("apprentiscope") + "/read-users/all?email=live@example.com"
            request = urllib.request.Request(url, headers=sandbox_server.headers("apprentiscope"))
            with urllib.request.urlopen(request) as response:
                assert json.load(response) == []
            apprentiscope_sandbox.assert_called("readUsers", times=1, query={"email": "live@example.com"})
            assert PORTS[0] == PORTS[1]

        @pytest.mark.sandbox(apis=["apprentiscope"], seed=3)
        def test_another_configuration_gets_its_own_server(sandbox_server):
            assert sandbox_server.port != PORTS[0]
            health = httpx.get(f"{sandbox_server.url}/__sandbox__/health").json()
            assert (health["seed"], health["apis"]) == (3, ["apprentiscope"])
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_an_isolated_test_has_a_session_of_its_own_in_process_and_live(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import httpx
        import pytest

        SEEN = {}
        TOKEN = "sandbox-apprentiscope-token"

        @pytest.mark.sandbox(isolated=True)
        def test_isolated(sandbox, sandbox_server, apprentiscope_sandbox, absorb_sandbox):
            assert sandbox.session
            assert sandbox_server.session_headers == {"X-Sandbox-Session": sandbox.session}
            ada = apprentiscope_sandbox.factory.apprentice(email="iso@example.com")
            base = sandbox_server.base_url("apprentiscope")
            live = httpx.get(f"{base}/read-user/{ada['id']}", headers=sandbox_server.headers("apprentiscope"))
            assert live.json() == ada
            default = httpx.get(f"{base}/read-user/{ada['id']}", headers={"Authorization": TOKEN})
            assert default.status_code == 404
            found = apprentiscope_sandbox.client.get("/read-users/all", params={"email": "iso@example.com"})
            assert found.json() == [ada]
            apprentiscope_sandbox.assert_called("readUser", times=1)
            # A login is the session's own: Absorb's token from the live client works in it.
            with sandbox_server.client("absorb") as absorb:
                assert absorb.get("/users", params={"_limit": 1}).status_code == 200
            SEEN["session"] = sandbox.session
            SEEN["app"] = sandbox.app

        def test_not_isolated(sandbox, apprentiscope_sandbox):
            assert sandbox.session is None
            assert apprentiscope_sandbox.state.find("users", email="iso@example.com") == []
            assert sandbox.app is SEEN["app"]
            assert SEEN["session"] not in [s["name"] for s in sandbox.app.sessions.listed()]
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_a_live_client_authenticates_itself_the_way_each_vendor_takes_credentials(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        def test_live_clients(sandbox_server, skyprep_sandbox, dfe_sandbox):
            with sandbox_server.client("skyprep") as skyprep:
                made = skyprep.post("/admin/api/create_user", json={"email": "live@example.com"})
                assert made.status_code == 200, made.text
                # On GET the keys go as SkyPrep's headers; on POST in the JSON body.
                read = skyprep.get("/admin/api/get_user", params={"user_email": "live@example.com"})
                assert read.json()["id"] == made.json()["id"]
                assert "X-SkyPrep-API-Key" in read.request.headers
            with sandbox_server.client("dfe") as dfe:
                assert dfe.get("/vacancies/referencedata/courses/routes").status_code == 200
            skyprep_sandbox.assert_called("create_user", times=1)
            skyprep_sandbox.assert_called_once("get_user")
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_journal_assertions_pass_for_the_calls_that_happened(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        def test_assertions(apprentiscope_sandbox):
            api = apprentiscope_sandbox.client
            user = {"first_name": "Ada", "last_name": "L", "email": "ada@example.com", "user_type": "admin"}
            uid = api.post("/create-user/", json={"user": user}).json()["id"]
            api.get(f"/read-user/{uid}")
            api.get("/read-user/nobody")

            created = apprentiscope_sandbox.assert_called_once("createUser", json={"user": user})
            assert (created.method, created.status, created.response_json) == ("POST", 201, {"id": uid})
            apprentiscope_sandbox.assert_called("createUser", json_includes={"user": {"first_name": "Ada"}})
            apprentiscope_sandbox.assert_called("readUser", times=2, path="/read-user/*")
            apprentiscope_sandbox.assert_called("readUser", times=1, status=404)
            apprentiscope_sandbox.assert_called(method="GET", times=2)
            apprentiscope_sandbox.assert_not_called("deleteUser")
            apprentiscope_sandbox.assert_not_called("createUser", json_includes={"user": {"email": "x@x.io"}})
            called = [c.operation_id for c in apprentiscope_sandbox.calls()]
            assert called == ["createUser", "readUser", "readUser"]

        def test_the_sandbox_handle_sees_every_api(sandbox, apprentiscope_sandbox):
            apprentiscope_sandbox.client.get("/read-occupations")
            (call,) = sandbox.assert_called("readOccupations", path="/apprentiscope/read-occupations")
            assert call.api == "apprentiscope"

        def test_a_misspelt_operation_id_is_an_error_that_names_the_right_one(apprentiscope_sandbox):
            with pytest.raises(ValueError, match="no operation 'createUsr'; did you mean createUser"):
                apprentiscope_sandbox.assert_not_called("createUsr")
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_failed_journal_assertions_list_the_calls_that_happened(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        def test_wrong_email(apprentiscope_sandbox):
            api = apprentiscope_sandbox.client
            api.get("/read-occupations")
            user = {"first_name": "Ada", "last_name": "L", "email": "ada@example.com", "user_type": "admin"}
            api.post("/create-user", json={"user": user})
            wanted = {"user": {"email": "bob@x.io"}}
            apprentiscope_sandbox.assert_called("createUser", times=1, json_includes=wanted)

        def test_called_when_it_should_not_be(apprentiscope_sandbox):
            apprentiscope_sandbox.client.delete("/delete-user/nobody")
            apprentiscope_sandbox.assert_not_called("deleteUser")

        def test_nothing_called(apprentiscope_sandbox):
            apprentiscope_sandbox.assert_called("readUsers")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: expected createUser with json_includes={'user': {'email': 'bob@x.io'}} "
            "to be called once, but it was never called.",
            "E * Calls to apprentiscope during this test (2):",
            "E * 1. GET /apprentiscope/read-occupations -> 200 readOccupations",
            "E * 2. POST /apprentiscope/create-user -> 201 createUser",
            'E * body: {"user":{"first_name":"Ada","last_name":"L","email":"ada@example.com",*',
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: expected deleteUser not to be called, but it was called once.",
            "E * 1. DELETE /apprentiscope/delete-user/nobody -> 404 deleteUser",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: expected readUsers to be called at least once, but it was never called.",
            "E * No calls to apprentiscope were made during this test.",
        ]
    )


def test_marker_chooses_seed_scenario_and_apis_for_one_test(project: pytest.Pytester) -> None:
    project.makefile(".yaml", scenario=SMALL_SCENARIO)
    project.makepyfile(
        """
        import pytest

        FIRST = {}

        def test_default(sandbox, apprentiscope_sandbox):
            # The second occupation: the first sits at the id the spec's examples name, at every seed.
            FIRST["occupation"] = apprentiscope_sandbox.state["occupations"][1]["id"]
            FIRST["app"] = sandbox.app

        @pytest.mark.sandbox(seed=7)
        def test_seed_resets_the_same_app(sandbox, apprentiscope_sandbox):
            assert sandbox.seed == 7
            assert apprentiscope_sandbox.state["occupations"][1]["id"] != FIRST["occupation"]
            assert sandbox.app is FIRST["app"]

        @pytest.mark.sandbox(fixture="scenario.yaml", apis=["apprentiscope"])
        def test_scenario_and_apis_make_another_app(sandbox, apprentiscope_sandbox):
            assert list(sandbox.apis) == ["apprentiscope"]
            assert len(apprentiscope_sandbox.state["occupations"]) == 1
            assert len(apprentiscope_sandbox.state.find("users", user_type="apprentice")) == 2
            assert sandbox.app is not FIRST["app"]

        def test_back_to_seed_0(sandbox, apprentiscope_sandbox):
            assert sandbox.seed == 0
            assert apprentiscope_sandbox.state["occupations"][1]["id"] == FIRST["occupation"]
            assert sandbox.app is FIRST["app"]

        @pytest.mark.sandbox(sede=7)
        def test_misspelt_argument(sandbox):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.sandbox got unknown argument(s) sede; it takes seed, fixture, apis, faults, isolated"]
    )


def test_command_line_options_set_seed_and_scenario_and_the_marker_wins(project: pytest.Pytester) -> None:
    project.makefile(".yaml", scenario=SMALL_SCENARIO)
    project.makepyfile(
        """
        import pytest

        def test_options(sandbox, apprentiscope_sandbox):
            assert sandbox.seed == 7
            assert len(apprentiscope_sandbox.state["occupations"]) == 1

        @pytest.mark.sandbox(seed=3)
        def test_marker_beats_the_option(sandbox):
            assert sandbox.seed == 3
        """
    )
    project.runpytest("--sandbox-seed", "7", "--sandbox-fixture", "scenario.yaml").assert_outcomes(passed=2)


def test_sandbox_options_are_overridden_in_a_conftest(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import dataclasses
        import pytest

        @pytest.fixture(scope="session")
        def sandbox_options(sandbox_options):
            return dataclasses.replace(sandbox_options, seed=5, credentials={"apprentiscope": ("my-token",)})
        """
    )
    project.makepyfile(
        """
        def test_uses_the_overridden_options(sandbox, apprentiscope_sandbox):
            assert sandbox.seed == 5
            assert apprentiscope_sandbox.headers == {"Authorization": "my-token"}
            assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 200
            anonymous = sandbox.client().get("/apprentiscope/read-occupations",
                                             headers={"Authorization": "sandbox-apprentiscope-token"})
            assert anonymous.status_code == 401
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_an_exception_inside_the_sandbox_fails_the_test_that_caused_it(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        from mockserver.vendors.apprentiscope import model

        @pytest.fixture
        def broken(monkeypatch):
            def boom(data):
                raise RuntimeError("kaboom in the sandbox")
            monkeypatch.setattr(model, "list_occupations", boom)

        def test_caused_it(apprentiscope_sandbox, broken):
            assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 500

        def test_failed_on_its_own_too(apprentiscope_sandbox, broken):
            apprentiscope_sandbox.client.get("/read-occupations")
            assert False, "its own failure"

        def test_expected_it(sandbox, apprentiscope_sandbox, broken):
            apprentiscope_sandbox.client.get("/read-occupations")
            (error,) = sandbox.take_errors()
            assert str(error) == "kaboom in the sandbox"

        @pytest.fixture
        def cleanup_that_breaks(apprentiscope_sandbox, broken):
            yield
            apprentiscope_sandbox.client.get("/read-occupations")

        def test_whose_fixture_caused_it_at_teardown(cleanup_that_breaks):
            pass

        def test_next_one_is_clean(apprentiscope_sandbox):
            assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 200
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=3, failed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_whose_fixture_caused_it_at_teardown*",
            "RuntimeError: kaboom in the sandbox",
            "E *SandboxRaised: the sandbox raised an exception *: RuntimeError: kaboom in the sandbox",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "RuntimeError: kaboom in the sandbox",
            "The above exception was the direct cause of the following exception:",
            "E *SandboxRaised: the sandbox raised an exception while answering requests made by this "
            "test (the client saw a 500): RuntimeError: kaboom in the sandbox",
        ]
    )
    result.stdout.fnmatch_lines(
        ["E * AssertionError: its own failure", "E * the sandbox also raised: RuntimeError: kaboom*"]
    )
    assert "test_next_one_is_clean FAILED" not in result.stdout.str()


def test_each_xdist_worker_has_its_own_app_and_port(project: pytest.Pytester) -> None:
    out = project.mkdir("ports")
    project.makepyfile(
        f"""
        import os
        from pathlib import Path

        import httpx
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_worker(n, sandbox_server, apprentiscope_sandbox):
            ada = apprentiscope_sandbox.factory.apprentice(email="same@example.com")
            base = sandbox_server.base_url("apprentiscope")
            auth = sandbox_server.headers("apprentiscope")
            assert httpx.get(f"{{base}}/read-user/{{ada['id']}}", headers=auth).json() == ada
            worker = os.environ["PYTEST_XDIST_WORKER"]
            Path({str(out)!r}, f"{{worker}}-{{n}}").write_text(str(sandbox_server.port))
        """
    )
    result = project.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=4)
    ports: dict[str, set[str]] = {}
    for written in out.iterdir():
        ports.setdefault(written.name.split("-")[0], set()).add(written.read_text())
    assert sorted(ports) == ["gw0", "gw1"]
    assert all(len(worker_ports) == 1 for worker_ports in ports.values())
    assert ports["gw0"] != ports["gw1"]
