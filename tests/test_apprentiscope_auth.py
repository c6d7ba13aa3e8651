from __future__ import annotations

import httpx
import pytest

from mockserver import Sandbox
from mockserver.testing import sync_client

from .conftest import TOKEN

OPERATIONS = [
    ("POST", "/create-user"),
    ("GET", "/read-users/all"),
    ("GET", "/read-user/x"),
    ("PUT", "/update-user/x"),
    ("DELETE", "/delete-user/x"),
    ("GET", "/read-occupations"),
    ("POST", "/submit-hours/x/1"),
    ("POST", "/read-grade/x"),
    ("POST", "/delete-grade/x"),
]


@pytest.fixture
def anonymous(sandbox: Sandbox) -> httpx.Client:
    return sync_client(sandbox, base_url="http://sandbox/apprentiscope")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_missing_token_is_refused_with_401_json(anonymous: httpx.Client, method: str, path: str) -> None:
    response = anonymous.request(method, path, json={})
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401
    assert body["error"] == "Unauthorized"
    assert "Missing API token" in body["message"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_wrong_token_is_refused_with_401_json(anonymous: httpx.Client, method: str, path: str) -> None:
    response = anonymous.request(method, path, json={}, headers={"Authorization": "wrong"})
    assert response.status_code == 401
    assert "Invalid API token" in response.json()["message"]


def test_raw_and_bearer_tokens_are_both_accepted(anonymous: httpx.Client) -> None:
    assert anonymous.get("/read-occupations", headers={"Authorization": TOKEN}).status_code == 200
    assert anonymous.get("/read-occupations", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert (
        anonymous.get("/read-occupations", headers={"Authorization": f"bearer  {TOKEN}"}).status_code == 200
    )


def test_refused_request_changes_nothing(anonymous: httpx.Client, sandbox: Sandbox) -> None:
    before = sandbox.store.export("apprentiscope")
    anonymous.post("/create-partner", json={"item": {"title": "X", "type": "employer"}})
    assert sandbox.store.export("apprentiscope") == before


def test_unknown_path_is_404_in_the_vendor_format(apprentiscope_api: httpx.Client) -> None:
    response = apprentiscope_api.get("/read-everything")
    assert response.status_code == 404
    assert response.json()["message"] == "No route for GET /apprentiscope/read-everything"


def test_wrong_method_is_405_with_allow(apprentiscope_api: httpx.Client) -> None:
    response = apprentiscope_api.delete("/read-occupations")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert response.json()["status"] == 405


def test_malformed_json_is_400_in_the_vendor_format(apprentiscope_api: httpx.Client) -> None:
    response = apprentiscope_api.post(
        "/create-partner", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"status", "error", "message"}
