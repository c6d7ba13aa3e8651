from __future__ import annotations

import httpx
import pytest

from .apprentiscope_helpers import JOHNNY_EMAIL, an_employer, create_user, first_occupation, johnny, new_user


def test_created_user_is_returned_by_read_user(apprentiscope_api: httpx.Client) -> None:
    program, company = first_occupation(apprentiscope_api), an_employer(apprentiscope_api)
    uid = new_user(
        apprentiscope_api,
        program_id=program["id"],
        company_id=company["id"],
        phone="8022272728",
        middle_name="B",
        suffix="Mr.",
    )
    user = apprentiscope_api.get(f"/read-user/{uid}").json()
    assert user["id"] == uid
    assert (user["first_name"], user["last_name"], user["email"]) == (
        "Ada",
        "Lovelace",
        "ada@example.com",
    )
    assert (user["program_id"], user["company_id"]) == (program["id"], company["id"])
    assert user["managed"] is True
    assert user["created_at"] == user["updated_at"]


def test_created_user_appears_in_read_users(apprentiscope_api: httpx.Client) -> None:
    uid = new_user(apprentiscope_api)
    assert uid in {u["id"] for u in apprentiscope_api.get("/read-users/apprentice").json()}
    assert uid in {u["id"] for u in apprentiscope_api.get("/read-users/all").json()}
    assert uid not in {u["id"] for u in apprentiscope_api.get("/read-users/mentor").json()}


def test_create_user_accepts_the_documented_trailing_slash(apprentiscope_api: httpx.Client) -> None:
    response = create_user(apprentiscope_api, "/create-user/", user_type="applicant")
    assert response.status_code == 201
    assert apprentiscope_api.get(f"/read-user/{response.json()['id']}/").json()["user_type"] == "applicant"


def test_create_user_refuses_a_duplicate_email_case_insensitively(apprentiscope_api: httpx.Client) -> None:
    response = create_user(apprentiscope_api, email=JOHNNY_EMAIL.upper())
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409
    assert body["details"][0]["field"] == "email"


def test_create_user_refuses_an_unknown_program(apprentiscope_api: httpx.Client) -> None:
    response = create_user(apprentiscope_api, program_id="nope")
    assert response.status_code == 404
    assert "program_id 'nope'" in response.json()["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("user_type", "wizard"),
        ("phone", "12345"),
        ("zip", "1234"),
        ("state", "Tennesee"),
        ("ssn", "123456789"),
        ("program_start_date", "2024-08-01"),
        ("program_start_date", "20240230"),
        ("gender", 3),
        ("veteran_status", "5"),
        ("apprentice_status", "Retired"),
        ("favourite_colour", "blue"),
    ],
)
def test_create_user_refuses_values_that_break_rapids_rules(
    apprentiscope_api: httpx.Client, field: str, value: object
) -> None:
    before = len(apprentiscope_api.get("/read-users/all").json())
    response = create_user(apprentiscope_api, **{field: value})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["error"] == "Bad Request"
    assert body["message"]
    assert len(apprentiscope_api.get("/read-users/all").json()) == before


def test_create_user_requires_the_user_wrapper(apprentiscope_api: httpx.Client) -> None:
    response = apprentiscope_api.post(
        "/create-user",
        json={"first_name": "J", "last_name": "A", "email": "j@a.com", "user_type": "apprentice"},
    )
    assert response.status_code == 400


def test_codes_sent_as_strings_are_stored_as_integers(apprentiscope_api: httpx.Client) -> None:
    uid = new_user(apprentiscope_api, gender="2", veteran_status="9", white="1", apprentice_status="active")
    user = apprentiscope_api.get(f"/read-user/{uid}").json()
    assert (user["gender"], user["veteran_status"], user["white"]) == (2, 9, 1)
    assert user["apprentice_status"] == "Active"


def test_update_user_changes_only_the_fields_given(apprentiscope_api: httpx.Client) -> None:
    before = johnny(apprentiscope_api)
    response = apprentiscope_api.put(
        f"/update-user/{before['id']}", json={"item": {"first_name": "John", "city": "Memphis"}}
    )
    assert response.status_code == 200
    after = apprentiscope_api.get(f"/read-user/{before['id']}").json()
    assert (after["first_name"], after["city"]) == ("John", "Memphis")
    unchanged = {k: v for k, v in after.items() if k not in ("first_name", "city", "updated_at")}
    assert unchanged == {k: v for k, v in before.items() if k not in ("first_name", "city", "updated_at")}
    assert response.json() == after


def test_update_user_refuses_an_email_taken_by_another_user(apprentiscope_api: httpx.Client) -> None:
    uid = new_user(apprentiscope_api)
    response = apprentiscope_api.put(f"/update-user/{uid}", json={"item": {"email": JOHNNY_EMAIL}})
    assert response.status_code == 409
    assert apprentiscope_api.get(f"/read-user/{uid}").json()["email"] == "ada@example.com"


def test_update_user_may_keep_its_own_email(apprentiscope_api: httpx.Client) -> None:
    user = johnny(apprentiscope_api)
    assert (
        apprentiscope_api.put(
            f"/update-user/{user['id']}", json={"item": {"email": JOHNNY_EMAIL}}
        ).status_code
        == 200
    )


def test_update_user_refuses_an_empty_update(apprentiscope_api: httpx.Client) -> None:
    assert (
        apprentiscope_api.put(
            f"/update-user/{johnny(apprentiscope_api)['id']}", json={"item": {}}
        ).status_code
        == 400
    )


def test_update_of_unknown_user_is_404(apprentiscope_api: httpx.Client) -> None:
    response = apprentiscope_api.put("/update-user/nobody", json={"item": {"first_name": "X"}})
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "error": "Not Found",
        "message": "user 'nobody' not found",
    }


def test_deleted_user_is_404_afterwards_and_gone_from_lists(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    response = apprentiscope_api.delete(f"/delete-user/{uid}")
    assert response.json() == {"id": uid, "deleted": True}
    assert apprentiscope_api.get(f"/read-user/{uid}").status_code == 404
    assert uid not in {u["id"] for u in apprentiscope_api.get("/read-users/all").json()}
    assert apprentiscope_api.delete(f"/delete-user/{uid}").status_code == 404


def test_deleting_a_user_deletes_their_grades(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    grade = apprentiscope_api.post(
        "/create-grade", json={"uid": uid, "title": "Quiz", "type": 3, "score_received": 70}
    ).json()
    apprentiscope_api.delete(f"/delete-user/{uid}")
    assert apprentiscope_api.get(f"/read-grade/{grade['id']}").status_code == 404


def test_read_users_filters_by_any_user_field(apprentiscope_api: httpx.Client) -> None:
    everyone = apprentiscope_api.get("/read-users/apprentice").json()
    active = apprentiscope_api.get("/read-users/apprentice", params={"apprentice_status": "Active"}).json()
    assert active
    assert all(u["apprentice_status"] == "Active" for u in active)
    assert {u["id"] for u in active} == {u["id"] for u in everyone if u.get("apprentice_status") == "Active"}


def test_read_users_filters_combine_and_ignore_case(apprentiscope_api: httpx.Client) -> None:
    user = johnny(apprentiscope_api)
    found = apprentiscope_api.get(
        "/read-users/all", params={"last_name": "APPLESEED", "city": "nashville"}
    ).json()
    assert [u["id"] for u in found] == [user["id"]]
    assert (
        apprentiscope_api.get("/read-users/all", params={"last_name": "Appleseed", "city": "Memphis"}).json()
        == []
    )


def test_read_users_filters_coded_fields_by_their_digits(apprentiscope_api: httpx.Client) -> None:
    found = apprentiscope_api.get("/read-users/all", params={"gender": "9"}).json()
    assert found
    assert all(u["gender"] == 9 for u in found)


def test_read_users_filter_given_twice_matches_either_value(apprentiscope_api: httpx.Client) -> None:
    users = apprentiscope_api.get("/read-users/all").json()
    cities = sorted({u["city"] for u in users})[:2]
    found = apprentiscope_api.get("/read-users/all", params=[("city", cities[0]), ("city", cities[1])]).json()
    assert {u["id"] for u in found} == {u["id"] for u in users if u["city"] in cities}
    assert len({u["city"] for u in found}) == 2


def test_read_users_refuses_an_unknown_user_type(apprentiscope_api: httpx.Client) -> None:
    assert apprentiscope_api.get("/read-users/wizard").status_code == 400


def test_invitation_is_created_and_recorded(apprentiscope_api: httpx.Client, client: httpx.Client) -> None:
    program = first_occupation(apprentiscope_api)
    response = apprentiscope_api.post(
        "/create-invitation/",
        json={
            "item": {
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace@example.com",
                "user_type": "mentor",
                "program_id": program["id"],
            }
        },
    )
    assert response.status_code == 201
    state = client.get("/__sandbox__/state/apprentiscope").json()
    invitation = state["collections"]["invitations"][response.json()["id"]]
    assert (invitation["email"], invitation["status"]) == ("grace@example.com", "pending")


def test_second_pending_invitation_to_the_same_email_conflicts(apprentiscope_api: httpx.Client) -> None:
    item = {"first_name": "G", "last_name": "H", "email": "g@example.com", "user_type": "applicant"}
    assert apprentiscope_api.post("/create-invitation", json={"item": item}).status_code == 201
    assert apprentiscope_api.post("/create-invitation", json={"item": item}).status_code == 409


def test_invitation_to_an_existing_users_email_conflicts(apprentiscope_api: httpx.Client) -> None:
    item = {"first_name": "J", "last_name": "A", "email": JOHNNY_EMAIL, "user_type": "apprentice"}
    assert apprentiscope_api.post("/create-invitation", json={"item": item}).status_code == 409


@pytest.mark.parametrize("path", ["/read-users/all%0A", "/read-partners/employer%0A", "/read-users/%0A"])
def test_a_path_parameter_with_a_line_break_is_a_documented_404(
    apprentiscope_api: httpx.Client, path: str
) -> None:
    # Schemathesis found this: the router cannot route a segment ending in a line break.
    response = apprentiscope_api.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"
    assert response.json()["message"].startswith("No route for GET ")
