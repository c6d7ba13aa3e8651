"""The vendor seam: a vendor declared once, outside lms-sandbox, gets everything from its descriptor.

The toy vendor (tests/toy_vendor.py) lives in a temporary folder. Registered by its entry point (in a
subprocess whose path holds the folder) or with ``register_vendor`` (in this process), it gets a
plugin fixture with an authenticated client, an entry in ``/__sandbox__/apis``, a line in the
``serve`` banner, a green ``lms-sandbox contract`` run, and its own refusals, without any other file
naming it. The built-in vendors are named only in their own places and in the registry.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver import Sandbox, create_app
from mockserver.server import LiveServer, banner
from mockserver.testing import sync_client
from mockserver.vendors import _BUILTIN, load, register_vendor, unregister_vendor
from mockserver.xmlcodec import decode

from .toy_vendor import KEY, PACKAGE, write_toy_vendor

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def toy_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_vendor(tmp_path_factory.mktemp("toy"))


@pytest.fixture
def toy(toy_folder: Path) -> Iterator[Sandbox]:
    """A sandbox serving the toy vendor, registered with ``register_vendor``."""
    sys.path.insert(0, str(toy_folder))
    try:
        register_vendor(load(f"{PACKAGE}:VENDOR"))
        yield create_app(apis=("toy",), validate_responses=True)
    finally:
        unregister_vendor("toy")
        sys.path.remove(str(toy_folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def toy_path_env(toy_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", _env(toy_folder)["PYTHONPATH"])


def _env(toy_folder: Path) -> dict[str, str]:
    paths = [str(toy_folder), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def test_the_toy_vendor_is_listed_with_its_credentials_and_formats(toy: Sandbox) -> None:
    with sync_client(toy) as client:
        (entry,) = client.get("/__sandbox__/apis").json()
    assert entry["name"] == "toy"
    assert entry["base_url"] == "http://sandbox/toy"
    assert entry["credentials"] == [KEY]
    assert entry["auth"]["fields"] == {"key": [{"in": "json", "name": "key"}, {"in": "query", "name": "key"}]}
    assert entry["headers"] == {}
    assert entry["formats"] == ["json", "xml"]


def test_the_serve_banner_has_the_toy_vendor_and_where_its_key_goes(toy: Sandbox) -> None:
    text = banner(toy, "http://127.0.0.1:8000")
    assert "  Toy Notes" in text
    assert "http://127.0.0.1:8000/toy/ui/" in text
    assert "key=toy-key (in a JSON body)" in text
    assert "accepted in: key: json, query" in text


def test_the_toy_key_is_taken_from_the_json_body_and_refused_as_its_scheme_says(toy: Sandbox) -> None:
    with sync_client(toy, base_url="http://sandbox/toy") as client:
        missing = client.post("/notes", json={"text": "hello"})
        wrong = client.post("/notes", json={"text": "hello", "key": "nope"})
        made = client.post("/notes", json={"text": "hello", "key": KEY})
        listed = client.post("/notes/list", json={"key": KEY, "contains": "hello"})
    assert missing.status_code == 401
    assert missing.json() == {"error": {"status": 401, "message": "Send your key as the JSON field 'key'."}}
    assert wrong.status_code == 403
    assert wrong.json()["error"]["message"] == "That key is not valid."
    assert made.status_code == 201
    assert listed.json() == {"total": 1, "notes": [made.json()]}
    assert toy.store.vendor("toy").collection("notes")[made.json()["id"]]["text"] == "hello"


def test_the_xml_operation_answers_xml_when_asked_and_the_same_data_as_json(toy: Sandbox) -> None:
    with sync_client(toy, base_url="http://sandbox/toy") as client:
        as_json = client.post("/notes/list", json={"key": KEY})
        by_parameter = client.post("/notes/list", params={"format": "xml"}, json={"key": KEY})
        by_accept = client.post("/notes/list", headers={"Accept": "application/xml"}, json={"key": KEY})
        refused = client.post("/notes/list", params={"format": "xml"}, json={"key": "nope"})
    assert as_json.headers["content-type"].startswith("application/json")
    for answer in (by_parameter, by_accept):
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/xml")
        assert answer.text.startswith("<?xml")
        assert decode(answer.content) == as_json.json()
    # The edge's refusal leaves through the same codec.
    assert refused.status_code == 403
    assert decode(refused.content) == {"error": {"status": 403, "message": "That key is not valid."}}


def test_the_toy_vendors_own_actions_are_served_under_the_control_plane(toy: Sandbox) -> None:
    with sync_client(toy) as client:
        (entry,) = client.get("/__sandbox__/apis").json()
        texts = client.get("/__sandbox__/apis/toy/actions/texts")
        wrong_method = client.post("/__sandbox__/apis/toy/actions/texts")
        unknown = client.post("/__sandbox__/apis/toy/actions/explode")
        wiped = client.post("/__sandbox__/apis/toy/actions/wipe", json={})
        after = client.get("/__sandbox__/apis/toy/actions/texts")
    assert [a["url"] for a in entry["actions"]] == [
        "http://sandbox/__sandbox__/apis/toy/actions/texts",
        "http://sandbox/__sandbox__/apis/toy/actions/wipe",
    ]
    assert texts.status_code == 200
    assert len(texts.json()["texts"]) == 3
    assert wrong_method.status_code == 405
    assert unknown.status_code == 404
    assert "texts, wipe" in unknown.json()["detail"]
    assert wiped.json() == {"deleted": 3}
    assert after.json() == {"texts": []}
    assert toy.store.vendor("toy").collection("notes") == {}


def test_the_toy_vendors_own_command_is_offered_by_the_cli(toy_folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver.cli", "token", "toy", "--upper"],
        env=_env(toy_folder),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "TOY-KEY"


@pytest.mark.usefixtures("toy_path_env")
def test_the_plugin_gives_the_toy_vendor_a_fixture_with_a_client_that_sends_its_key(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_notes(toy_sandbox):
            made = toy_sandbox.client.post("/notes", json={"text": "from the plugin"})
            assert made.status_code == 201, made.text
            assert toy_sandbox.state["notes"][-1]["text"] == "from the plugin"
            listed = toy_sandbox.client.post("/notes/list", json={"contains": "plugin"}).json()
            assert listed["total"] == 1
            toy_sandbox.assert_called_once("createNote", status=201)

        def test_each_test_starts_from_the_seeded_notes(toy_sandbox):
            assert len(toy_sandbox.state["notes"]) == 3
        """
    )
    # The subprocess finds the toy vendor's entry point through PYTHONPATH (toy_path_env).
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=2)


def test_a_contract_run_against_the_toy_vendor_is_green(toy_folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "toy.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver.cli",
            "contract",
            "toy",
            "--max-examples",
            "5",
            "--junit-xml",
            str(report),
        ],
        env=_env(toy_folder),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout
    junit = report.read_text(encoding="utf-8")
    for operation in ("createNote", "listNotes", "readNote"):
        assert operation in junit
    assert "<failure" not in junit


def test_the_cli_offers_the_toy_vendor_from_its_entry_point(toy_folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver.cli", "serve", "--help"],
        env=_env(toy_folder),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "toy=toy-key" in done.stdout


def test_a_contract_run_by_url_imports_neither_connexion_nor_faker() -> None:
    app = create_app(apis=("apprentiscope",))
    script = textwrap.dedent(
        """
        import sys
        from contracts import RunOptions, url_target, verify
        target = url_target("apprentiscope", sys.argv[1], credential="sandbox-apprentiscope-token")
        result = verify(target, RunOptions(max_examples=2, phases=("examples", "workflow")))
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"connexion", "faker"})
        print("ok" if result.ok else result.failures, heavy)
        """
    )
    with LiveServer(app) as server:
        done = subprocess.run(
            [sys.executable, "-c", script, f"{server.url}/apprentiscope"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.stdout.strip().splitlines()[-1] == "ok []", done.stdout + done.stderr


def _names_in_code(path: Path) -> set[str]:
    """Identifiers, attribute names, imported modules and one-word string constants of ``path``'s code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " not in node.value.strip():
            found.add(node.value)
    return found


def test_outside_its_own_places_no_code_names_a_vendor_but_the_registry() -> None:
    registry = ROOT / "mockserver" / "vendors" / "__init__.py"
    own = [ROOT / "mockserver" / "vendors", ROOT / "contracts" / "workflows"]
    wired = []
    for path in sorted([*ROOT.glob("mockserver/**/*.py"), *ROOT.glob("contracts/**/*.py")]):
        if path == registry or any(folder in path.parents for folder in own):
            continue
        names = _names_in_code(path)
        for vendor in _BUILTIN:
            hits = sorted(n for n in names if vendor.name in n.lower() or vendor.title.lower() in n.lower())
            hits += sorted(n for n in names for h in vendor.client_headers if h.lower() == n.lower())
            wired += [f"{path.relative_to(ROOT)}: {hit}" for hit in hits]
    assert wired == []
