"""The conformance check: an API's state holds only records the API could serve."""

from __future__ import annotations

import copy
from pathlib import Path

import httpx
import pytest
import yaml
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from mockserver import Sandbox, create_app
from mockserver.conformance import NonConformingState
from mockserver.errors import FixtureError
from mockserver.resources import fixture_path
from mockserver.vendors import REGISTRY, vendor_names

from .conftest import AUTH

BASE = "/__sandbox__"
CHECKED = [name for name, vendor in REGISTRY.items() if vendor.record_schemas]


def test_most_vendors_name_the_schemas_of_their_records() -> None:
    assert len(CHECKED) >= 3
    for name in CHECKED:
        schema = REGISTRY[name].record_schemas
        assert all(ref.startswith("#/components/schemas/") for ref in schema.values()), name


@pytest.mark.parametrize("api", vendor_names())
def test_every_seeded_export_validates_against_the_served_schema(client: httpx.Client, api: str) -> None:
    schema = client.get(f"{BASE}/state/{api}/schema").json()
    Draft4Validator.check_schema(schema)
    export = client.get(f"{BASE}/state/{api}").json()
    assert list(Draft4Validator(schema).iter_errors(export)) == []
    assert set(REGISTRY[api].record_schemas) <= set(schema["properties"]["collections"]["properties"])


def test_the_schema_of_an_unknown_api_is_404(client: httpx.Client) -> None:
    response = client.get(f"{BASE}/state/absorbb/schema")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("api", CHECKED)
def test_importing_a_record_that_is_only_an_id_is_refused_and_changes_nothing(
    client: httpx.Client, api: str
) -> None:
    before = client.get(f"{BASE}/state/{api}").json()
    collection = next(iter(REGISTRY[api].record_schemas))
    state = copy.deepcopy(before)
    state["collections"][collection]["5"] = {"id": 5}
    response = client.put(f"{BASE}/state/{api}", json=state)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert f"record {collection}/5 cannot be served: field " in detail
    assert "is a required property" in detail
    assert client.get(f"{BASE}/state/{api}").json() == before


def test_a_user_that_is_just_an_id_is_never_served(client: httpx.Client) -> None:
    state = client.get(f"{BASE}/state/apprentiscope").json()
    state["collections"]["users"]["5"] = {"id": 5}
    response = client.put(f"{BASE}/state/apprentiscope", json=state)
    assert response.status_code == 400
    assert "users/5" in response.json()["detail"]
    assert "first_name" in response.json()["detail"]
    served = client.get("/apprentiscope/read-users/all", headers=AUTH).json()
    assert 5 not in [user["id"] for user in served]
    assert len(served) == len(state["collections"]["users"]) - 1


def test_a_field_of_the_wrong_type_is_named(client: httpx.Client) -> None:
    state = client.get(f"{BASE}/state/apprentiscope").json()
    rid, user = next(iter(state["collections"]["users"].items()))
    user["first_name"] = 42
    response = client.put(f"{BASE}/state/apprentiscope", json=state)
    assert response.status_code == 400
    assert (
        f"record users/{rid} cannot be served: field first_name: 42 is not of type 'string'"
        in (response.json()["detail"])
    )


def test_internal_fields_the_served_shape_lacks_are_accepted(client: httpx.Client) -> None:
    state = client.get(f"{BASE}/state/apprentiscope").json()
    for user in state["collections"]["users"].values():
        user["_internal_note"] = "kept by the sandbox, never served"
    assert client.put(f"{BASE}/state/apprentiscope", json=state).status_code == 200


def test_a_collection_without_a_named_schema_is_checked_for_shape_only(client: httpx.Client) -> None:
    state = client.get(f"{BASE}/state/apprentiscope").json()
    state["collections"]["scratch"] = {"a": {"anything": True}}
    assert client.put(f"{BASE}/state/apprentiscope", json=state).status_code == 200


def test_a_restore_of_every_api_with_one_bad_record_changes_no_api(sandbox: Sandbox) -> None:
    store = sandbox.store
    snapshot = store.snapshot()
    bad = copy.deepcopy(snapshot)
    bad["apis"]["absorb"]["collections"]["users"]["x"] = {"id": "x"}
    for state in bad["apis"].values():
        state["collections"]["marker"] = {"m": {"id": "m"}}
    with pytest.raises(NonConformingState, match="absorb: record users/x"):
        store.restore(bad)
    assert store.snapshot() == snapshot


def test_a_scenario_whose_records_cannot_be_served_stops_the_start(tmp_path: Path) -> None:
    scenario = yaml.safe_load(fixture_path("apprentiscope/default.yaml").read_text(encoding="utf-8"))
    scenario["records"]["users"][0]["last_name"] = 42
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        create_app(apis=("apprentiscope",), fixtures=(path,))
    message = str(caught.value)
    assert str(path) in message
    assert "cannot be served: field last_name: 42 is not of type 'string'" in message


def test_ids_kept_as_text_must_still_be_numbers_the_api_can_serve(client: httpx.Client) -> None:
    state = client.get(f"{BASE}/state/skyprep").json()
    rid, user = next(iter(state["collections"]["users"].items()))
    assert isinstance(user["id"], str)
    user["id"] = "not-a-number"
    response = client.put(f"{BASE}/state/skyprep", json=state)
    assert response.status_code == 400
    assert f"record users/{rid} cannot be served: field id" in response.json()["detail"]
