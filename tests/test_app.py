from __future__ import annotations

import logging
import subprocess
import sys

import httpx
import pytest

from mockserver import FixtureError, SandboxOptions, UnhandledOperation, UnknownApi, create_app
from mockserver.index import ApiIndex
from mockserver.testing import sync_client
from mockserver.vendors.base import check_operations

from .conftest import AUTH


def test_unknown_api_is_refused_with_the_known_names() -> None:
    with pytest.raises(UnknownApi, match=r"unknown API 'absorbb'; known: .*apprentiscope"):
        create_app(apis=("absorbb",))


def test_root_needs_exactly_one_api() -> None:
    with pytest.raises(ValueError, match="exactly one API"):
        SandboxOptions(root=True)


def test_spec_operation_without_handler_fails_at_startup() -> None:
    spec = {"paths": {"/a": {"get": {"operationId": "getA"}, "post": {"operationId": "postA"}}}}
    with pytest.raises(UnhandledOperation, match="no handler for operationId postA"):
        check_operations("demo", ApiIndex({"": spec}), {"getA": lambda: None})


def test_handler_without_operation_fails_at_startup() -> None:
    spec = {"paths": {"/a": {"get": {"operationId": "getA"}}}}
    with pytest.raises(UnhandledOperation, match="not in the spec: stale"):
        check_operations("demo", ApiIndex({"": spec}), {"getA": lambda: None, "stale": lambda: None})


def test_two_apps_never_share_data() -> None:
    one, two = create_app(apis=("apprentiscope",)), create_app(apis=("apprentiscope",))
    one.store.vendor("apprentiscope").collection("users").clear()
    assert two.store.vendor("apprentiscope").collection("users")


def test_root_mode_serves_the_api_at_slash() -> None:
    app = create_app(apis=("apprentiscope",), root=True)
    with sync_client(app, headers=AUTH) as client:
        assert client.get("/read-occupations").status_code == 200
        assert client.get("/apprentiscope/read-occupations").status_code == 404
        assert client.get("/__sandbox__/health").status_code == 200
        assert client.get("/openapi.json").json()["info"]["title"] == "ApprentiScope API"


def test_each_api_serves_its_spec_and_swagger_ui(client: httpx.Client) -> None:
    spec = client.get("/apprentiscope/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["servers"][0]["url"].endswith("/apprentiscope")
    ui = client.get("/apprentiscope/ui/")
    assert ui.status_code == 200
    assert "swagger" in ui.text.lower()


def test_fixture_for_an_api_not_served_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    scenario = Path(str(tmp_path)) / "s.yaml"
    scenario.write_text("api: nosuch\n")
    with pytest.raises(FixtureError, match="not served"):
        create_app(fixtures=(scenario,))


def test_fixture_without_api_key_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    scenario = Path(str(tmp_path)) / "s.yaml"
    scenario.write_text("sizes: {}\n")
    with pytest.raises(FixtureError, match="'api' key"):
        create_app(fixtures=(scenario,))


def test_configured_credentials_replace_the_default() -> None:
    app = create_app(apis=("apprentiscope",), credentials={"apprentiscope": ("mine",)})
    with sync_client(app, base_url="http://s/apprentiscope") as client:
        assert client.get("/read-occupations", headers={"Authorization": "mine"}).status_code == 200
        assert client.get("/read-occupations", headers=AUTH).status_code == 401


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_loading_the_pytest_plugin_imports_neither_connexion_nor_faker() -> None:
    # The plugin loads in every test run of a project that installs lms-sandbox; it must stay light.
    done = _python(
        "import sys, mockserver.pytest_plugin; print(sorted({'connexion', 'faker'} & set(sys.modules)))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_sandbox_starts_under_warnings_as_errors() -> None:
    done = _python("import mockserver; print(type(mockserver.create_app()).__name__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Sandbox"


def test_a_call_documenting_json_and_form_bodies_logs_no_connexion_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # SkyPrep documents both bodies on purpose; Connexion's warning about it would flood every run.
    app = create_app(apis=("skyprep",))
    keys = {"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"}
    with caplog.at_level(logging.WARNING), sync_client(app, base_url="http://s/skyprep/admin/api") as client:
        assert client.post("/get_user", json={**keys, "user_id": 32}).status_code == 200  # John, fixed id
    assert not [r for r in caplog.records if "multiple content types" in r.getMessage()]
