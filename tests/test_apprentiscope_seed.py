from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mockserver import FixtureError, create_app
from mockserver.testing import sync_client

from .apprentiscope_helpers import JOHNNY_EMAIL, johnny
from .conftest import AUTH

READS = [
    "/read-users/all",
    "/read-occupations",
    "/read-partners/employer",
    "/read-submissions/1",
    "/read-submissions/2",
]


def _bodies(seed: int) -> list[bytes]:
    app = create_app(seed=seed, apis=("apprentiscope",))
    with sync_client(app, base_url="http://s/apprentiscope", headers=AUTH) as api:
        users = api.get("/read-users/apprentice").json()
        paths = [*READS, f"/read-grades/{users[3]['id']}", f"/read-progress/{users[3]['id']}/all"]
        return [api.get(path).content for path in paths]


def test_same_seed_gives_byte_identical_responses() -> None:
    assert _bodies(11) == _bodies(11)


def test_other_seed_gives_other_data() -> None:
    one, two = _bodies(11), _bodies(12)
    assert all(a != b for a, b in zip(one, two, strict=True))


def test_data_is_referentially_consistent(apprentiscope_api: httpx.Client, client: httpx.Client) -> None:
    collections = client.get("/__sandbox__/state/apprentiscope").json()["collections"]
    users, partners, occupations = (
        collections["users"],
        collections["partners"],
        collections["occupations"],
    )
    for user in users.values():
        if "company_id" in user:
            assert user["company_id"] in partners
        if "program_id" in user:
            assert user["program_id"] in occupations
    courses = {c["id"] for o in occupations.values() for c in o["rti_courses"]}
    for name in ("grades", "files", "submissions"):
        assert collections[name], f"no seeded {name}"
        for record in collections[name].values():
            assert record["uid"] in users
    for grade in collections["grades"].values():
        assert grade["course_id"] in courses
    for submission in collections["submissions"].values():
        program = occupations[users[submission["uid"]]["program_id"]]
        key = "ojt_competencies" if submission["type"] == 1 else "rti_courses"
        allowed = {c["id"] for c in program[key]}
        assert {e["id"] for e in submission["competencies"]} <= allowed


def test_generated_users_look_real(apprentiscope_api: httpx.Client) -> None:
    users = apprentiscope_api.get("/read-users/all").json()
    emails = [u["email"].lower() for u in users]
    assert len(emails) == len(set(emails))
    for user in users:
        assert re.fullmatch(r"[2-9]\d\d[2-9]\d{6}", user["phone"]), user["phone"]
        assert re.fullmatch(r"\d{5}", user["zip"])
        if user["user_type"] == "apprentice" and "ssn" in user:
            assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", user["ssn"])
            assert user["apprentice_status"] in {"Active", "Suspended", "Exited", "Completed"}
    assert {u["user_type"] for u in users} == {
        "apprentice",
        "applicant",
        "mentor",
        "supervisor",
        "admin",
    }


def test_default_scenario_has_johnny_appleseed(apprentiscope_api: httpx.Client) -> None:
    user = johnny(apprentiscope_api)
    assert (user["first_name"], user["middle_name"], user["suffix"]) == ("Johnny", "B", "Mr.")
    assert user["email"] == JOHNNY_EMAIL
    assert (
        apprentiscope_api.get(f"/read-occupation/{user['program_id']}").json()["title"]
        == "Application Developer"
    )
    assert (
        apprentiscope_api.get(f"/read-partner/{user['company_id']}").json()["title"] == "ApprentiScope, Inc."
    )


def test_another_scenario_sets_sizes_and_named_records(tmp_path: Path) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        "api: apprentiscope\n"
        "sizes: {occupations: 2, employers: 1, sponsors: 0, education_providers: 0, apprentices: 3,\n"
        "        applicants: 0, mentors: 0, supervisors: 0, admins: 0}\n"
        "records:\n"
        "  users:\n"
        "    - {first_name: Grace, last_name: Hopper, email: grace@navy.mil, user_type: mentor,\n"
        "       program: Application Developer}\n"
    )
    app = create_app(apis=("apprentiscope",), fixtures=(scenario,))
    with sync_client(app, base_url="http://s/apprentiscope", headers=AUTH) as api:
        assert len(api.get("/read-occupations").json()) == 2
        assert len(api.get("/read-users/apprentice").json()) == 3
        (grace,) = api.get("/read-users/mentor").json()
        assert grace["email"] == "grace@navy.mil"


def test_scenario_with_an_unknown_size_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "typo.yaml"
    scenario.write_text("api: apprentiscope\nsizes: {aprentices: 3}\n")
    with pytest.raises(FixtureError, match="aprentices"):
        create_app(apis=("apprentiscope",), fixtures=(scenario,))


def test_named_record_referring_to_a_missing_occupation_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        "api: apprentiscope\nrecords:\n  users:\n    - {first_name: A, last_name: B, email: a@b.com,"
        " user_type: apprentice, program: Astronaut}\n"
    )
    with pytest.raises(FixtureError, match="Astronaut"):
        create_app(apis=("apprentiscope",), fixtures=(scenario,))


@pytest.mark.parametrize("seed", [0, 5])
def test_the_spec_examples_records_are_at_their_ids_at_any_seed(seed: int) -> None:
    app = create_app(apis=("apprentiscope",), seed=seed)
    with sync_client(app, base_url="http://sandbox/apprentiscope", headers=AUTH) as api:
        grade = api.get("/read-grade/Gd5Kp2Xr8TmQ3vLw7NzB")
        kept = api.get("/read-occupation/Qm7RtV2xLp9KzW4bNc8D")
        deleted = api.delete("/delete-occupation/Qm3Lx8Rv5NtK2wPz7HcJ")
        gone = api.get("/read-occupation/Qm3Lx8Rv5NtK2wPz7HcJ")
        user = johnny(api)
    assert grade.status_code == 200
    assert grade.json()["uid"] == user["id"]
    assert kept.status_code == 200
    # No user is on the examples' occupations, so the Delete Occupation example succeeds.
    assert deleted.status_code == 200
    assert gone.status_code == 404
