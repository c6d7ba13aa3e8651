from __future__ import annotations

from typing import Any

import httpx
import pytest

from .apprentiscope_helpers import first_occupation, johnny, new_user


def _enrolled(api: httpx.Client) -> tuple[str, dict[str, Any]]:
    occupation = first_occupation(api)
    return new_user(api, program_id=occupation["id"]), occupation


def _hours(date_obj: str, *entries: tuple[str, float]) -> dict[str, Any]:
    return {
        "item": {
            "date_obj": date_obj,
            "competencies": [{"id": i, "hours_worked": h} for i, h in entries],
        }
    }


def test_submitted_ojt_hours_show_in_submissions_within_the_date_range(
    apprentiscope_api: httpx.Client,
) -> None:
    uid, occupation = _enrolled(apprentiscope_api)
    competency = occupation["ojt_competencies"][0]
    response = apprentiscope_api.post(
        f"/submit-hours/{uid}/1", json=_hours("2024-08-15T14:00:00.000Z", (competency["id"], 3))
    )
    assert response.status_code == 201
    sid = response.json()["id"]
    found = apprentiscope_api.get(
        "/read-submissions/1", params={"start_date": "20240801", "end_date": "20240831"}
    ).json()
    (mine,) = [s for s in found if s["id"] == sid]
    assert mine["uid"] == uid
    assert mine["date"] == "20240815"
    assert mine["total_hours"] == 3
    assert mine["competencies"] == [{"id": competency["id"], "title": competency["title"], "hours_worked": 3}]


def test_read_submissions_respects_type_and_both_range_ends(apprentiscope_api: httpx.Client) -> None:
    uid, occupation = _enrolled(apprentiscope_api)
    competency = occupation["ojt_competencies"][0]["id"]
    sid = apprentiscope_api.post(f"/submit-hours/{uid}/1", json=_hours("2024-08-31", (competency, 2))).json()[
        "id"
    ]
    ids = lambda path, **params: {s["id"] for s in apprentiscope_api.get(path, params=params).json()}  # noqa: E731
    assert sid in ids("/read-submissions/1", start_date="20240831", end_date="20240831")
    assert sid not in ids("/read-submissions/1", start_date="20240901")
    assert sid not in ids("/read-submissions/1", end_date="20240830")
    assert sid not in ids("/read-submissions/2")
    assert sid in ids("/read-submissions/1")


def test_every_listed_submission_is_inside_the_range(apprentiscope_api: httpx.Client) -> None:
    found = apprentiscope_api.get(
        "/read-submissions/1", params={"start_date": "20250101", "end_date": "20250630"}
    ).json()
    assert found
    assert all("20250101" <= s["date"] <= "20250630" and s["type"] == 1 for s in found)
    assert [s["date"] for s in found] == sorted(s["date"] for s in found)


def test_reversed_range_matches_nothing(apprentiscope_api: httpx.Client) -> None:
    assert (
        apprentiscope_api.get(
            "/read-submissions/1", params={"start_date": "20250601", "end_date": "20250101"}
        ).json()
        == []
    )


@pytest.mark.parametrize("bad", ["2024-08-01", "20241301", "20240230", "2024081"])
def test_read_submissions_refuses_a_bad_date(apprentiscope_api: httpx.Client, bad: str) -> None:
    assert apprentiscope_api.get("/read-submissions/1", params={"start_date": bad}).status_code == 400


def test_progress_reflects_submitted_hours(apprentiscope_api: httpx.Client) -> None:
    uid, occupation = _enrolled(apprentiscope_api)
    ojt, rti = occupation["ojt_competencies"][0], occupation["rti_courses"][0]
    before = apprentiscope_api.get(f"/read-progress/{uid}/all").json()
    assert before["ojt"]["hours_completed"] == 0
    apprentiscope_api.post(
        f"/submit-hours/{uid}/1", json=_hours("2025-01-10", (ojt["id"], 4), (ojt["id"], 2.5))
    )
    apprentiscope_api.post(f"/submit-hours/{uid}/2", json=_hours("2025-01-11", (rti["id"], 6)))
    progress = apprentiscope_api.get(f"/read-progress/{uid}/all").json()
    assert progress["program_id"] == occupation["id"]
    row = next(r for r in progress["ojt"]["items"] if r["id"] == ojt["id"])
    assert row["hours_completed"] == 6.5
    assert row["percent_complete"] == round(100 * 6.5 / ojt["hours_required"], 2)
    assert progress["ojt"]["hours_completed"] == 6.5
    assert progress["rti"]["hours_completed"] == 6
    assert progress["ojt"]["hours_required"] == sum(
        c["hours_required"] for c in occupation["ojt_competencies"]
    )


def test_progress_type_selects_the_sections(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    assert set(apprentiscope_api.get(f"/read-progress/{uid}/1").json()) >= {"ojt"}
    assert "rti" not in apprentiscope_api.get(f"/read-progress/{uid}/1").json()
    assert "ojt" not in apprentiscope_api.get(f"/read-progress/{uid}/3").json()
    assert (
        apprentiscope_api.get(f"/read-progress/{uid}/2").json()["rti"]
        == apprentiscope_api.get(f"/read-progress/{uid}/3").json()["rti"]
    )
    assert apprentiscope_api.get(f"/read-progress/{uid}/4").status_code == 400


def test_progress_of_a_user_without_program_is_empty(apprentiscope_api: httpx.Client) -> None:
    uid = new_user(apprentiscope_api, user_type="admin")
    progress = apprentiscope_api.get(f"/read-progress/{uid}/all").json()
    assert "program_id" not in progress
    assert progress["ojt"] == {
        "hours_required": 0,
        "hours_completed": 0,
        "percent_complete": 0,
        "items": [],
    }


def test_hours_for_a_competency_outside_the_program_are_404(apprentiscope_api: httpx.Client) -> None:
    uid, _ = _enrolled(apprentiscope_api)
    other = apprentiscope_api.get("/read-occupations").json()[1]["ojt_competencies"][0]["id"]
    before = len(apprentiscope_api.get("/read-submissions/1").json())
    response = apprentiscope_api.post(f"/submit-hours/{uid}/1", json=_hours("2025-01-10", (other, 1)))
    assert response.status_code == 404
    assert len(apprentiscope_api.get("/read-submissions/1").json()) == before


def test_rti_hours_need_rti_course_ids(apprentiscope_api: httpx.Client) -> None:
    uid, occupation = _enrolled(apprentiscope_api)
    ojt = occupation["ojt_competencies"][0]["id"]
    assert (
        apprentiscope_api.post(f"/submit-hours/{uid}/2", json=_hours("2025-01-10", (ojt, 1))).status_code
        == 404
    )


def test_hours_for_a_user_without_program_conflict(apprentiscope_api: httpx.Client) -> None:
    uid = new_user(apprentiscope_api, user_type="admin")
    response = apprentiscope_api.post(f"/submit-hours/{uid}/1", json=_hours("2025-01-10", ("abc", 1)))
    assert response.status_code == 409


@pytest.mark.parametrize(
    "item",
    [
        {"date_obj": "2025-01-10", "competencies": []},
        {"date_obj": "yesterday", "competencies": [{"id": "a", "hours_worked": 1}]},
        {"date_obj": "2025-01-10", "competencies": [{"id": "a", "hours_worked": 0}]},
        {"date_obj": "2025-01-10", "competencies": [{"id": "a", "hours_worked": 25}]},
        {"competencies": [{"id": "a", "hours_worked": 1}]},
    ],
)
def test_submit_hours_refuses_bad_items(apprentiscope_api: httpx.Client, item: dict[str, Any]) -> None:
    uid, _ = _enrolled(apprentiscope_api)
    assert apprentiscope_api.post(f"/submit-hours/{uid}/1", json={"item": item}).status_code == 400


def test_submit_hours_type_must_be_1_or_2(apprentiscope_api: httpx.Client) -> None:
    uid, occupation = _enrolled(apprentiscope_api)
    body = _hours("2025-01-10", (occupation["ojt_competencies"][0]["id"], 1))
    assert apprentiscope_api.post(f"/submit-hours/{uid}/3", json=body).status_code == 400


def test_file_attaches_to_an_existing_user(apprentiscope_api: httpx.Client, client: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    body = {
        "uid": uid,
        "filename": "Fall Semester Transcript",
        "category": "Transcript",
        "url": "https://files.example.com/t.pdf",
    }
    response = apprentiscope_api.post("/create-file", json=body)
    assert response.status_code == 201
    assert response.json()["uid"] == uid
    files = client.get("/__sandbox__/state/apprentiscope").json()["collections"]["files"]
    assert {k: files[response.json()["id"]][k] for k in body} == body


def test_file_for_an_unknown_user_is_404(apprentiscope_api: httpx.Client) -> None:
    body = {
        "uid": "nobody",
        "filename": "f",
        "category": "Transcript",
        "url": "https://x.example.com/f.pdf",
    }
    assert apprentiscope_api.post("/create-file", json=body).status_code == 404


def test_file_can_name_its_user_in_the_path(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    body = {"filename": "Offer", "category": "Offer Letter", "url": "https://x.example.com/o.pdf"}
    assert apprentiscope_api.post(f"/create-file/{uid}", json=body).status_code == 201
    assert apprentiscope_api.post(f"/create-file/{uid}", json={**body, "uid": uid}).status_code == 201
    assert (
        apprentiscope_api.post(f"/create-file/{uid}", json={**body, "uid": "someone-else"}).status_code == 409
    )


def test_created_grade_is_read_with_string_scores_and_listed_with_numbers(
    apprentiscope_api: httpx.Client,
) -> None:
    uid = johnny(apprentiscope_api)["id"]
    course = first_occupation(apprentiscope_api)["rti_courses"][0]["id"]
    body = {
        "uid": uid,
        "date": "2025-01-01",
        "title": "Final Exam",
        "type": 1,
        "course_id": course,
        "score_received": 89,
    }
    gid = apprentiscope_api.post("/create-grade", json=body).json()["id"]
    grade = apprentiscope_api.get(f"/read-grade/{gid}").json()
    assert (grade["id"], grade["title"], grade["score_received"], grade["score_possible"]) == (
        gid,
        "Final Exam",
        "89",
        "100",
    )
    listed = next(g for g in apprentiscope_api.get(f"/read-grades/{uid}").json() if g["id"] == gid)
    assert (listed["score_received"], listed["score_possible"]) == (89, 100)


def test_read_grades_lists_only_that_users_grades(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    other = new_user(apprentiscope_api)
    apprentiscope_api.post(
        "/create-grade", json={"uid": other, "title": "Quiz", "type": 3, "score_received": 50}
    )
    grades = apprentiscope_api.get(f"/read-grades/{uid}").json()
    assert all(g["uid"] == uid for g in grades)
    assert len(apprentiscope_api.get(f"/read-grades/{other}").json()) == 1


def test_read_grades_of_unknown_user_is_404(apprentiscope_api: httpx.Client) -> None:
    assert apprentiscope_api.get("/read-grades/nobody").status_code == 404


def test_update_grade_is_a_post_on_the_read_path(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    gid = apprentiscope_api.post(
        "/create-grade", json={"uid": uid, "title": "Midterm", "type": 6, "score_received": 80}
    ).json()["id"]
    response = apprentiscope_api.post(f"/read-grade/{gid}", json={"score_received": 91})
    assert response.status_code == 200
    assert response.json()["score_received"] == "91"
    grade = apprentiscope_api.get(f"/read-grade/{gid}").json()
    assert (grade["score_received"], grade["title"], grade["type"]) == ("91", "Midterm", 6)


def test_delete_grade_is_a_post(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    gid = apprentiscope_api.post(
        "/create-grade", json={"uid": uid, "title": "Quiz", "type": 3, "score_received": 70}
    ).json()["id"]
    assert apprentiscope_api.post(f"/delete-grade/{gid}").json() == {"id": gid, "deleted": True}
    assert apprentiscope_api.get(f"/read-grade/{gid}").status_code == 404
    assert gid not in {g["id"] for g in apprentiscope_api.get(f"/read-grades/{uid}").json()}
    assert apprentiscope_api.post(f"/delete-grade/{gid}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"title": "No user", "type": 1, "score_received": 1},
        {"uid": "x", "title": "Bad type", "type": 4, "score_received": 1},
        {"uid": "x", "title": "Negative", "type": 1, "score_received": -1},
        {"uid": "x", "title": "Bad date", "type": 1, "score_received": 1, "date": "01/01/2025"},
    ],
)
def test_create_grade_refuses_bad_bodies(apprentiscope_api: httpx.Client, body: dict[str, Any]) -> None:
    assert apprentiscope_api.post("/create-grade", json=body).status_code == 400


def test_grade_for_unknown_user_or_course_is_404(apprentiscope_api: httpx.Client) -> None:
    uid = johnny(apprentiscope_api)["id"]
    assert (
        apprentiscope_api.post(
            "/create-grade", json={"uid": "nobody", "title": "Q", "type": 1, "score_received": 1}
        ).status_code
        == 404
    )
    response = apprentiscope_api.post(
        "/create-grade",
        json={"uid": uid, "title": "Q", "type": 1, "score_received": 1, "course_id": "nocourse"},
    )
    assert response.status_code == 404
    assert response.json()["details"][0]["field"] == "course_id"
