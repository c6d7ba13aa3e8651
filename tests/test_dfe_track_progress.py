"""Track Apprenticeship Progress: the model's rules, the HTTP answers, the seeded apprenticeships."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from mockserver import FixtureError, InvalidInput, NotFound, Sandbox
from mockserver.resources import spec_path
from mockserver.speclint import lint_spec
from mockserver.specs import load_spec
from mockserver.store import VendorData
from mockserver.testing import sync_client
from mockserver.vendors.dfe import progress, progress_seed
from mockserver.vendors.dfe.reference import STANDARDS_BY_CODE

KEY = "sandbox-subscription-key"
HEADERS = {"Ocp-Apim-Subscription-Key": KEY, "X-Version": "1"}
ULN, START = 1234567890, "2025-09-01"  # the fixture's named apprenticeship
KSB = "5a5e3f0c-2f5b-4a0e-9b0e-3f7a1c2d4e5f"


def _url(uln: object = ULN, start: str = START) -> str:
    return f"/apprenticeships/{uln}/{start}/progress"


def _body(*values: int, ksb: str = KSB) -> dict[str, Any]:
    return {"progress": {"ksbs": [{"id": ksb, "value": v} for v in values]}}


@pytest.fixture
def dfe(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client for the DfE prefix with the sandbox key and version 1 attached."""
    with sync_client(sandbox, base_url="http://sandbox/apprenticeships", headers=HEADERS) as c:
        yield c


@pytest.fixture
def data(sandbox: Sandbox) -> VendorData:
    return sandbox.store.vendor("dfe")


def _errors(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Bad Request"
    assert body["status"] == 400
    errors: list[dict[str, str]] = body["errors"]
    return errors


# HTTP


def test_recording_progress_answers_201_with_a_progress_id(dfe: httpx.Client) -> None:
    first = dfe.post(_url(), json=_body(40))
    second = dfe.post(_url(), json=_body(55))
    assert first.status_code == 201
    assert first.json() == {"progressId": 1}
    assert second.json() == {"progressId": 2}


def test_recorded_progress_is_in_the_state_export(dfe: httpx.Client, client: httpx.Client) -> None:
    other = "0b9d6c2e-7c1a-4f3b-8e2d-6a4b5c7d8e9f"
    body = {"progress": {"ksbs": [{"id": KSB, "value": 0}, {"id": other, "value": 100}]}}
    progress_id = dfe.post(_url(), json=body).json()["progressId"]
    state = client.get("/__sandbox__/state/dfe").json()["collections"]
    assert state["progress"][str(progress_id)] == {
        "progressId": progress_id,
        "apprenticeshipId": f"{ULN}-{START}",
        "uln": ULN,
        "plannedStartDate": START,
        "ksbs": [{"id": KSB, "value": 0}, {"id": other, "value": 100}],
    }


def test_an_unknown_apprenticeship_gets_404_problem_details(dfe: httpx.Client, client: httpx.Client) -> None:
    response = dfe.post(_url(uln=9999999999), json=_body(10))
    assert response.status_code == 404
    body = response.json()
    assert body["title"] == "Not Found"
    assert body["status"] == 404
    assert body["type"].endswith("section-6.5.4")
    assert "progress" not in client.get("/__sandbox__/state/dfe").json()["collections"]


def test_a_known_uln_with_another_start_date_is_unknown(dfe: httpx.Client) -> None:
    assert dfe.post(_url(start="2025-10-01"), json=_body(10)).status_code == 404


@pytest.mark.parametrize("start", ["2025-09-02", "2025-09-15", "2025-09-31", "2025-13-01", "01-09-2025"])
def test_a_start_date_not_on_the_first_of_a_month_gets_400(dfe: httpx.Client, start: str) -> None:
    assert _errors(dfe.post(_url(start=start), json=_body(10))) == [
        {"error": "plannedStartDate", "description": "Invalid start date (must start on the 1st)"}
    ]


@pytest.mark.parametrize(
    "body",
    [{"progress": {"ksbs": []}}, {"progress": {}}],
    ids=["empty list", "no ksbs"],
)
def test_missing_ksbs_get_400_ksbs_are_required(dfe: httpx.Client, body: dict[str, Any]) -> None:
    assert _errors(dfe.post(_url(), json=body)) == [{"error": "ksbs", "description": "KSBs are required"}]


@pytest.mark.parametrize("value", [-1, 101, 1000])
def test_a_value_outside_0_to_100_gets_400_naming_the_ksb(dfe: httpx.Client, value: int) -> None:
    (error,) = _errors(dfe.post(_url(), json=_body(50, value)))
    assert error["error"] == "progress.ksbs.1.value"
    assert str(value) in error["description"]


@pytest.mark.parametrize(
    ("uln", "body"),
    [
        ("12345", _body(10)),
        (ULN, {"progress": {"ksbs": [{"id": "not-a-guid", "value": 10}]}}),
        (ULN, {"progress": {"ksbs": [{"id": KSB, "value": "50"}]}}),
        (ULN, {"ksbs": [{"id": KSB, "value": 10}]}),
    ],
    ids=["short uln", "bad guid", "string value", "no progress wrapper"],
)
def test_malformed_requests_get_400_in_the_track_progress_shape(
    dfe: httpx.Client, client: httpx.Client, uln: object, body: dict[str, Any]
) -> None:
    (error,) = _errors(dfe.post(_url(uln=uln), json=body))
    assert error["description"]
    assert "progress" not in client.get("/__sandbox__/state/dfe").json()["collections"]


def test_a_uln_that_is_not_a_number_matches_no_route(dfe: httpx.Client) -> None:
    # As ASP.NET's {uln:long} route constraint: no route, so a 404 ProblemDetails.
    response = dfe.post(_url(uln="abcdefghij"), json=_body(10))
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found"


def test_a_body_that_is_not_json_gets_415_problem_details(dfe: httpx.Client) -> None:
    response = dfe.post(_url(), content=b"progress=1", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["title"] == "Unsupported Media Type"


def test_a_wrong_method_gets_405_with_allow(dfe: httpx.Client) -> None:
    response = dfe.get(_url())
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_the_control_plane_reset_forgets_recorded_progress(dfe: httpx.Client, client: httpx.Client) -> None:
    dfe.post(_url(), json=_body(10))
    client.post("/__sandbox__/reset")
    assert "progress" not in client.get("/__sandbox__/state/dfe").json()["collections"]
    assert dfe.post(_url(), json=_body(10)).json() == {"progressId": 1}


# the model, without HTTP


def test_the_model_records_snapshots_per_apprenticeship(data: VendorData) -> None:
    progress.record_progress(data, ULN, START, [{"id": KSB, "value": 10}])
    progress.record_progress(data, ULN, START, [{"id": KSB, "value": 30}])
    snapshots = progress.progress_of(data, ULN, START)
    assert [(s["progressId"], s["ksbs"][0]["value"]) for s in snapshots] == [(1, 10), (2, 30)]


def _recording(progress_id: int) -> dict[str, Any]:
    return {
        "progressId": progress_id,
        "apprenticeshipId": f"{ULN}-{START}",
        "uln": ULN,
        "plannedStartDate": START,
        "ksbs": [{"id": KSB, "value": 5}],
    }


def test_a_recording_after_an_import_gets_the_id_after_the_imported_ones(sandbox: Sandbox) -> None:
    """The highest id is remembered between recordings (make stress found reading every one quadratic),
    and an import that replaces the recordings is noticed."""
    data = sandbox.store.vendor("dfe")
    for value in (10, 20):
        progress.record_progress(data, ULN, START, [{"id": KSB, "value": value}])
    state = sandbox.store.export("dfe")
    state["collections"]["progress"] = {str(n): _recording(n) for n in (3, 40, 41)}
    sandbox.store.import_("dfe", state)

    made = progress.record_progress(data, ULN, START, [{"id": KSB, "value": 30}])

    assert made["progressId"] == 42
    assert sorted(int(p) for p in data.collection(progress.PROGRESS)) == [3, 40, 41, 42]


def test_a_recording_never_overwrites_an_imported_one(sandbox: Sandbox) -> None:
    data = sandbox.store.vendor("dfe")
    for value in (10, 20):
        progress.record_progress(data, ULN, START, [{"id": KSB, "value": value}])
    # As many recordings as before, the last id among them, and the next id taken.
    state = sandbox.store.export("dfe")
    state["collections"]["progress"] = {str(n): _recording(n) for n in (2, 3)}
    sandbox.store.import_("dfe", state)

    made = progress.record_progress(data, ULN, START, [{"id": KSB, "value": 30}])

    recorded = data.collection(progress.PROGRESS)
    assert made["progressId"] not in (2, 3)
    assert recorded["3"] == _recording(3)
    assert len(recorded) == 3


@pytest.mark.parametrize(
    ("start", "ksbs", "message"),
    [
        ("2025-09-02", [{"id": KSB, "value": 1}], "Invalid start date"),
        ("2025-9-1", [{"id": KSB, "value": 1}], "Invalid start date"),
        ("not a date", [{"id": KSB, "value": 1}], "Invalid start date"),
        (START, [], "KSBs are required"),
        (START, None, "KSBs are required"),
        (START, [{"id": KSB, "value": 101}], "from 0 to 100"),
        (START, [{"id": KSB, "value": True}], "from 0 to 100"),
    ],
)
def test_the_model_refuses_what_breaks_a_rule(
    data: VendorData, start: str, ksbs: list[dict[str, Any]] | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        progress.record_progress(data, ULN, start, ksbs)
    assert data.collection(progress.PROGRESS) == {}


def test_the_model_checks_the_rules_before_the_apprenticeship(data: VendorData) -> None:
    with pytest.raises(InvalidInput):
        progress.record_progress(data, 9999999999, "2025-09-02", [{"id": KSB, "value": 1}])
    with pytest.raises(NotFound, match="ULN 9999999999"):
        progress.record_progress(data, 9999999999, START, [{"id": KSB, "value": 1}])


# seeded data and the spec


def test_seeded_apprenticeships_are_well_formed(data: VendorData) -> None:
    apprenticeships = data.collection(progress.APPRENTICESHIPS)
    assert len(apprenticeships) == 13  # the fixture's named one and 12 generated
    for key, record in apprenticeships.items():
        assert key == f"{record['uln']}-{record['plannedStartDate']}"
        assert 1_000_000_000 <= record["uln"] <= 9_999_999_999
        assert date.fromisoformat(record["plannedStartDate"]).day == 1
        assert record["ksbs"]
        for ksb in record["ksbs"]:
            assert str(uuid.UUID(ksb["id"])) == ksb["id"]
            assert ksb["type"] in ("Knowledge", "Skill", "Behaviour")
            assert re.fullmatch(r"[KSB][0-9]+", ksb["reference"])
    named = apprenticeships[f"{ULN}-{START}"]
    assert named["ksbs"][0]["id"] == KSB
    assert named["standard"] == {"larsCode": 2, "title": "Software developer (level 4)"}


def test_apprenticeships_on_one_standard_share_its_ksbs() -> None:
    data = VendorData("dfe", 0)
    # More apprenticeships than standards, so some standards have several.
    progress_seed.seed(data, {"track_progress": {"apprenticeships": len(STANDARDS_BY_CODE) + 1}})
    by_standard: dict[int, list[list[str]]] = {}
    for record in data.collection(progress.APPRENTICESHIPS).values():
        assert record["standard"]["larsCode"] in STANDARDS_BY_CODE
        by_standard.setdefault(record["standard"]["larsCode"], []).append([k["id"] for k in record["ksbs"]])
    assert any(len(lists) > 1 for lists in by_standard.values())
    for lists in by_standard.values():
        assert all(ids == lists[0] for ids in lists)


def test_a_standards_ksb_ids_do_not_depend_on_the_seed() -> None:
    one, two = VendorData("dfe", 1), VendorData("dfe", 2)
    section = {"apprenticeships": 0, "records": [{"uln": 1111111111, "plannedStartDate": "2025-01-01"}]}
    progress_seed.seed(one, {"track_progress": section})
    progress_seed.seed(two, {"track_progress": section})
    (first,) = one.collection(progress.APPRENTICESHIPS).values()
    (second,) = two.collection(progress.APPRENTICESHIPS).values()
    assert first["firstName"] != second["firstName"] or first["lastName"] != second["lastName"]
    assert first["ksbs"] == second["ksbs"]
    assert 6 <= len(first["ksbs"]) <= 12


def test_the_same_seed_gives_the_same_apprenticeships() -> None:
    one, two = VendorData("dfe", 3), VendorData("dfe", 3)
    progress_seed.seed(one, {"track_progress": {"apprenticeships": 5}})
    progress_seed.seed(two, {"track_progress": {"apprenticeships": 5}})
    assert one.export() == two.export()
    other = VendorData("dfe", 4)
    progress_seed.seed(other, {"track_progress": {"apprenticeships": 5}})
    assert other.export() != one.export()


@pytest.mark.parametrize(
    "section",
    [
        {"apprentices": 3},
        {"records": [{"uln": 1234567890, "plannedStartDate": "2025-09-02"}]},
        {"records": [{"uln": 1234567890, "plannedStartDate": "2025-09-01", "ksbs": ["not-a-guid"]}]},
        {"records": [{"plannedStartDate": "2025-09-01"}]},
        {"records": [{"uln": 12345, "plannedStartDate": "2025-09-01"}]},
        {"records": [{"uln": 1234567890, "plannedStartDate": "2025-09-01", "larsCode": 99999}]},
        {
            "records": [
                {"uln": 1234567890, "plannedStartDate": "2025-09-01", "ksbs": [KSB]},
                {"uln": 1234567891, "plannedStartDate": "2025-09-01", "ksbs": [str(uuid.UUID(int=1))]},
            ]
        },
    ],
    ids=[
        "unknown key",
        "start not on the 1st",
        "bad ksb",
        "no uln",
        "short uln",
        "unknown standard",
        "two ksb sets",
    ],
)
def test_a_bad_track_progress_section_is_a_fixture_error(section: dict[str, Any]) -> None:
    with pytest.raises(FixtureError):
        progress_seed.seed(VendorData("dfe", 0), {"track_progress": section})


def test_the_spec_says_the_api_was_withdrawn_and_states_the_start_date_rule() -> None:
    spec = load_spec("dfe-track-progress.yaml")
    assert "Withdrawn by DfE in 2026" in spec["info"]["description"]
    (param,) = [
        p
        for p in spec["paths"]["/apprenticeships/{uln}/{plannedStartDate}/progress"]["post"]["parameters"]
        if p.get("name") == "plannedStartDate"
    ]
    assert param["schema"]["pattern"] == progress.START_DATE_PATTERN


def test_the_spec_passes_the_house_lint() -> None:
    assert lint_spec(spec_path("dfe-track-progress.yaml")) == []
