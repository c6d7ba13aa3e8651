from __future__ import annotations

import httpx
import pytest

from .apprentiscope_helpers import an_employer, first_occupation, johnny, new_user

DOC_PARTNER = {
    "title": "ApprentiScope, Inc.",
    "type": "employer",
    "street": "123 Bowling Avenue",
    "city": "Nashville",
    "state": "Tennessee",
}


def test_created_partner_is_readable_and_listed_by_type(apprentiscope_api: httpx.Client) -> None:
    response = apprentiscope_api.post(
        "/create-partner/", json={"item": {**DOC_PARTNER, "title": "Acme Apprenticeships"}}
    )
    assert response.status_code == 201
    pid = response.json()["id"]
    partner = apprentiscope_api.get(f"/read-partner/{pid}").json()
    assert {k: partner[k] for k in DOC_PARTNER} == {**DOC_PARTNER, "title": "Acme Apprenticeships"}
    assert pid in {p["id"] for p in apprentiscope_api.get("/read-partners/employer").json()}
    assert pid not in {p["id"] for p in apprentiscope_api.get("/read-partners/sponsor").json()}


@pytest.mark.parametrize("partner_type", ["employer", "sponsor", "education_provider"])
def test_read_partners_returns_only_that_type(apprentiscope_api: httpx.Client, partner_type: str) -> None:
    partners = apprentiscope_api.get(f"/read-partners/{partner_type}").json()
    assert partners
    assert {p["type"] for p in partners} == {partner_type}


def test_read_partners_refuses_an_unknown_type(apprentiscope_api: httpx.Client) -> None:
    assert apprentiscope_api.get("/read-partners/vendor").status_code == 400


def test_update_partner_changes_only_the_fields_given(apprentiscope_api: httpx.Client) -> None:
    before = an_employer(apprentiscope_api)
    after = apprentiscope_api.put(
        f"/update-partner/{before['id']}", json={"item": {"contact_name": "Johnny Appleseed"}}
    ).json()
    assert after["contact_name"] == "Johnny Appleseed"
    assert {k: v for k, v in after.items() if k not in ("contact_name", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("contact_name", "updated_at")
    }


def test_partner_with_users_cannot_be_deleted(apprentiscope_api: httpx.Client) -> None:
    company_id = johnny(apprentiscope_api)["company_id"]
    response = apprentiscope_api.delete(f"/delete-partner/{company_id}")
    assert response.status_code == 409
    assert apprentiscope_api.get(f"/read-partner/{company_id}").status_code == 200


def test_deleted_partner_is_gone(apprentiscope_api: httpx.Client) -> None:
    pid = apprentiscope_api.post(
        "/create-partner", json={"item": {"title": "Short-lived", "type": "sponsor"}}
    ).json()["id"]
    assert apprentiscope_api.delete(f"/delete-partner/{pid}").json() == {"id": pid, "deleted": True}
    assert apprentiscope_api.get(f"/read-partner/{pid}").status_code == 404
    assert pid not in {p["id"] for p in apprentiscope_api.get("/read-partners/sponsor").json()}


def test_read_occupations_lists_programs_with_competencies_and_courses(
    apprentiscope_api: httpx.Client,
) -> None:
    occupations = apprentiscope_api.get("/read-occupations").json()
    # The scenario's six, and the spare one no user is on (Delete Occupation's example).
    assert len(occupations) == 6 + 1
    assert {"Qm7RtV2xLp9KzW4bNc8D", "Qm3Lx8Rv5NtK2wPz7HcJ"} <= {o["id"] for o in occupations}
    for occupation in occupations:
        assert occupation["ojt_competencies"]
        assert occupation["rti_courses"]
    assert "Application Developer" in {o["title"] for o in occupations}


def test_update_occupation_changes_its_title(apprentiscope_api: httpx.Client) -> None:
    occupation = first_occupation(apprentiscope_api)
    updated = apprentiscope_api.put(
        f"/update-occupation/{occupation['id']}",
        json={"item": {"title": "Application Developer II"}},
    )
    assert updated.json()["title"] == "Application Developer II"
    assert (
        apprentiscope_api.get(f"/read-occupation/{occupation['id']}").json()["title"]
        == "Application Developer II"
    )
    assert (
        apprentiscope_api.get(f"/read-occupation/{occupation['id']}").json()["ojt_competencies"]
        == occupation["ojt_competencies"]
    )


def test_occupation_with_enrolled_users_cannot_be_deleted(apprentiscope_api: httpx.Client) -> None:
    program_id = johnny(apprentiscope_api)["program_id"]
    assert apprentiscope_api.delete(f"/delete-occupation/{program_id}").status_code == 409
    assert apprentiscope_api.get(f"/read-occupation/{program_id}").status_code == 200


def test_occupation_without_users_can_be_deleted(
    apprentiscope_api: httpx.Client, client: httpx.Client
) -> None:
    users = apprentiscope_api.get("/read-users/all").json()
    used = {u.get("program_id") for u in users}
    free = [o for o in apprentiscope_api.get("/read-occupations").json() if o["id"] not in used]
    if not free:  # every seeded occupation has users: free one up by moving them
        target = apprentiscope_api.get("/read-occupations").json()[0]
        for user in users:
            if user.get("program_id") == target["id"]:
                apprentiscope_api.delete(f"/delete-user/{user['id']}")
        free = [target]
    oid = free[0]["id"]
    assert apprentiscope_api.delete(f"/delete-occupation/{oid}").json() == {"id": oid, "deleted": True}
    assert apprentiscope_api.get(f"/read-occupation/{oid}").status_code == 404
    assert oid not in {o["id"] for o in apprentiscope_api.get("/read-occupations").json()}


def test_user_can_be_moved_to_another_program(apprentiscope_api: httpx.Client) -> None:
    occupations = apprentiscope_api.get("/read-occupations").json()
    uid = new_user(apprentiscope_api, program_id=occupations[0]["id"])
    apprentiscope_api.put(f"/update-user/{uid}", json={"item": {"program_id": occupations[1]["id"]}})
    assert apprentiscope_api.get(f"/read-user/{uid}").json()["program_id"] == occupations[1]["id"]
