from __future__ import annotations

import json
import re

import httpx

from mockserver import Sandbox
from mockserver.vendors import vendor_names

from .conftest import AUTH

BASE = "/__sandbox__"


def test_health_reports_seed_and_apis(client: httpx.Client) -> None:
    body = client.get(f"{BASE}/health").json()
    assert body == {"status": "ok", "seed": 0, "apis": vendor_names(), "ready": vendor_names()}
    assert {"apprentiscope", "dfe"} <= set(body["apis"])


def test_apis_lists_urls_and_credentials(client: httpx.Client) -> None:
    apis = client.get(f"{BASE}/apis").json()
    assert [a["name"] for a in apis] == vendor_names()
    (api,) = [a for a in apis if a["name"] == "apprentiscope"]
    assert api["base_url"] == "http://sandbox/apprentiscope"
    assert api["spec_url"] == "http://sandbox/apprentiscope/openapi.json"
    assert api["docs_url"] == "http://sandbox/apprentiscope/ui/"
    assert api["specs"] == [
        {
            "file": "apprentiscope.yaml",
            "base_url": "http://sandbox/apprentiscope",
            "spec_url": "http://sandbox/apprentiscope/openapi.json",
            "docs_url": "http://sandbox/apprentiscope/ui/",
        }
    ]
    assert api["credentials"] == ["sandbox-apprentiscope-token"]
    assert api["headers"] == {"Authorization": "sandbox-apprentiscope-token"}


def test_reset_restores_seeded_data_and_clears_the_journal(client: httpx.Client) -> None:
    before = client.get(f"{BASE}/state/apprentiscope").json()
    client.delete("/apprentiscope/delete-grade/x", headers=AUTH)
    occupations = client.get("/apprentiscope/read-occupations", headers=AUTH).json()
    client.put(
        f"/apprentiscope/update-occupation/{occupations[0]['id']}",
        headers=AUTH,
        json={"item": {"title": "Changed"}},
    )
    assert client.get(f"{BASE}/state/apprentiscope").json() != before
    assert client.post(f"{BASE}/reset").json() == {"seed": 0, "apis": vendor_names()}
    assert client.get(f"{BASE}/state/apprentiscope").json() == before
    assert client.get(f"{BASE}/journal").json()["total"] == 0


def test_reset_with_another_seed_gives_other_data(client: httpx.Client) -> None:
    first = client.get(f"{BASE}/state/apprentiscope").json()["collections"]
    assert client.post(f"{BASE}/reset", json={"seed": 5}).json()["seed"] == 5
    second = client.get(f"{BASE}/state/apprentiscope").json()["collections"]
    assert second != first
    client.post(f"{BASE}/reset", json={"seed": 0})
    assert client.get(f"{BASE}/state/apprentiscope").json()["collections"] == first


def test_reset_refuses_a_bad_seed(client: httpx.Client) -> None:
    response = client.post(f"{BASE}/reset", json={"seed": "seven"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_state_export_import_round_trip(client: httpx.Client, sandbox: Sandbox) -> None:
    state = client.get(f"{BASE}/state/apprentiscope").json()
    state["collections"]["partners"] = {
        "p1": {
            "id": "p1",
            "title": "Imported Co",
            "type": "employer",
            "created_at": "2025-01-01T00:00:00Z",
            "updated_at": "2025-01-01T00:00:00Z",
        }
    }
    result = client.put(f"{BASE}/state/apprentiscope", json=state)
    assert result.status_code == 200
    assert result.json()["collections"]["partners"] == 1
    partner = client.get("/apprentiscope/read-partner/p1", headers=AUTH)
    assert partner.json()["title"] == "Imported Co"


def test_state_of_unknown_api_is_404(client: httpx.Client) -> None:
    response = client.get(f"{BASE}/state/absorbb")
    assert response.status_code == 404
    assert re.search(r"known: .*apprentiscope", response.json()["detail"])


def test_state_import_refuses_malformed_state_and_keeps_the_old(client: httpx.Client) -> None:
    before = client.get(f"{BASE}/state/apprentiscope").json()
    response = client.put(f"{BASE}/state/apprentiscope", json={"collections": {"users": {"x": 1}}})
    assert response.status_code == 400
    assert client.get(f"{BASE}/state/apprentiscope").json() == before


def test_journal_records_requests_with_operation_ids(client: httpx.Client) -> None:
    client.get("/apprentiscope/read-occupations", headers=AUTH)
    client.get("/apprentiscope/read-user/nobody", headers=AUTH)
    client.get("/apprentiscope/read-occupations")
    entries = client.get(f"{BASE}/journal").json()["entries"]
    assert [(e["operation_id"], e["status"]) for e in entries] == [
        ("readOccupations", 200),
        ("readUser", 404),
        ("readOccupations", 401),
    ]
    assert entries[1]["path"] == "/apprentiscope/read-user/nobody"


def test_journal_filters_by_status_method_and_path(client: httpx.Client) -> None:
    client.get("/apprentiscope/read-occupations", headers=AUTH)
    client.get("/apprentiscope/read-user/nobody", headers=AUTH)
    journal = f"{BASE}/journal"
    assert client.get(journal, params={"status": 404}).json()["total"] == 1
    assert (
        client.get(journal, params={"method": "GET", "path": "/apprentiscope/read-occ"}).json()["total"] == 1
    )
    assert client.get(journal, params={"operation_id": "readUser"}).json()["entries"][0]["status"] == 404
    assert client.get(journal, params={"api": "absorb"}).json()["total"] == 0


def test_journal_records_request_bodies(client: httpx.Client) -> None:
    client.post(
        "/apprentiscope/create-partner",
        headers=AUTH,
        json={"item": {"title": "X", "type": "sponsor"}},
    )
    (entry,) = client.get(f"{BASE}/journal", params={"operation_id": "createPartner"}).json()["entries"]
    assert json.loads(entry["request_body"]) == {"item": {"title": "X", "type": "sponsor"}}
    assert entry["status"] == 201


def test_journal_clear(client: httpx.Client) -> None:
    client.get("/apprentiscope/read-occupations", headers=AUTH)
    assert client.delete(f"{BASE}/journal").status_code == 204
    assert client.get(f"{BASE}/journal").json()["total"] == 0


def test_control_plane_requests_are_not_journaled(client: httpx.Client) -> None:
    client.get(f"{BASE}/health")
    assert client.get(f"{BASE}/journal").json()["total"] == 0


def test_control_plane_serves_its_own_spec(client: httpx.Client) -> None:
    spec = client.get(f"{BASE}/openapi.json").json()
    assert spec["info"]["title"] == "lms-sandbox control plane"
