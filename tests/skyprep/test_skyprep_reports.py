"""SkyPrep's reports as served: files (CSV, XLSX parsed back) from the state as it is now, agreeing with
get_user_courses and get_course_progresses; asynchronous reports on the sandbox clock; saved advanced
reports; bad input refused with a 4xx; XML for ``Accept: application/xml``."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl
import pytest

from mockserver import Sandbox
from mockserver.vendors.skyprep.factory import SkyprepFactory
from mockserver.xmlcodec import decode

from .helpers import BASE, KEY_HEADERS, KEYS, call, refusal, score_item

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def refused(api: httpx.Client, call_name: str, /, **params: Any) -> int:
    """A refusal in SkyPrep's error body, which holds a status and a message only."""
    response = refusal(api, call_name, **params)
    assert set(response.json()) == {"status", "message"}
    return response.status_code


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def report(api: httpx.Client, **params: Any) -> list[dict[str, str]]:
    return csv_rows(api.post("/get_report", json={**KEYS, **params}))


def xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


# get_report


def test_a_user_report_lists_the_courses_get_user_courses_lists_with_their_progress_status(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user, other = factory.user(), factory.user()
    direct, grouped, pathed, unrelated = (factory.course() for _ in range(4))
    factory.progress(user, direct, status="passed")
    factory.user_group(course_ids=[grouped["id"]], user_ids=[user["id"]])
    factory.learning_path(course_ids=[pathed["id"]], user_ids=[user["id"]])
    factory.enrolment(other, unrelated)
    rows = report(api, report_type="single_user", user_id=user["id"])
    listed = [c["id"] for c in call(api, "get_user_courses", user_id=user["id"])]
    assert [int(r["Course ID"]) for r in rows] == listed == [direct["id"], grouped["id"], pathed["id"]]
    assert {int(r["Course ID"]): r["Enrolled Via"] for r in rows} == {
        direct["id"]: "direct",
        grouped["id"]: "user_group",
        pathed["id"]: "learning_path",
    }
    progresses = {p["course_id"]: p for p in call(api, "get_course_progresses", user_id=user["id"])}
    for row in rows:
        found = progresses[int(row["Course ID"])]
        assert (int(row["Course Progress ID"]), row["Status"]) == (found["id"], found["status"])
    assert {r["Email"] for r in rows} == {user["email"]}


def test_a_report_follows_a_write_made_after_it(api: httpx.Client, factory: SkyprepFactory) -> None:
    user, course = factory.user(), factory.course()
    assert report(api, report_type="single_course", course_id=course["id"]) == []
    call(api, "enroll_user_in_course", user_id=user["id"], course_id=course["id"])
    (row,) = report(api, report_type="single_course", course_id=course["id"])
    assert (row["Email"], row["Status"]) == (user["email"], "not-started")
    progress_id = int(row["Course Progress ID"])
    call(api, "update_course_progress", course_progress_id=progress_id, set_status="failed")
    (row,) = report(api, report_type="single_course", course_id=course["id"])
    assert row["Status"] == "failed"
    assert row["Completion Date"] != ""
    call(api, "remove_user_from_course", user_id=user["id"], course_id=course["id"])
    assert report(api, report_type="single_course", course_id=course["id"]) == []


def test_the_all_users_and_all_courses_reports_count_statuses_over_the_enrollment_graph(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user = factory.user()
    passed, started, untouched = factory.course(), factory.course(), factory.course()
    factory.progress(user, passed, status="passed")
    factory.progress(user, started, status="in-progress")
    factory.user_group(course_ids=[untouched["id"]], user_ids=[user["id"]])
    users = {int(r["User ID"]): r for r in report(api, report_type="all_users")}
    assert len(users) == len(call(api, "get_users"))
    counts = {k: users[user["id"]][k] for k in ("Courses", "Not Started", "In Progress", "Passed", "Failed")}
    assert counts == {"Courses": "3", "Not Started": "1", "In Progress": "1", "Passed": "1", "Failed": "0"}
    courses = {int(r["Course ID"]): r for r in report(api, report_type="all_courses")}
    assert set(courses) == {c["id"] for c in call(api, "get_courses")}
    assert (courses[passed["id"]]["Enrolled"], courses[passed["id"]]["Passed"]) == ("1", "1")
    assert (courses[untouched["id"]]["Enrolled"], courses[untouched["id"]]["Not Started"]) == ("1", "1")


def test_group_reports_cover_only_the_groups_members_and_courses(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    member, outsider = factory.user(), factory.user()
    held, elsewhere = factory.course(), factory.course()
    group = factory.user_group(course_ids=[held["id"]], user_ids=[member["id"]])
    factory.progress(member, held, status="passed")
    factory.progress(member, elsewhere, status="failed")
    factory.progress(outsider, held, status="failed")
    users = report(api, report_type="single_group_all_users", user_group_id=group["id"])
    assert [(int(r["User ID"]), r["Courses"], r["Passed"], r["Failed"]) for r in users] == [
        (member["id"], "1", "1", "0")
    ]
    courses = report(api, report_type="single_group_all_courses", user_group_id=group["id"])
    assert [(int(r["Course ID"]), r["Enrolled"], r["Passed"], r["Failed"]) for r in courses] == [
        (held["id"], "1", "1", "0")
    ]
    rows = report(
        api, report_type="single_user_single_group", user_id=member["id"], user_group_id=group["id"]
    )
    assert [(int(r["Course ID"]), r["Status"]) for r in rows] == [(held["id"], "passed")]
    outside = {"user_id": outsider["id"], "user_group_id": group["id"]}
    assert refused(api, "get_report", report_type="single_user_single_group", **outside) == 404


def test_a_user_course_report_lists_the_course_items_and_the_doc_sample_name_reads_the_same(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user, course = factory.user(), factory.course()
    first = factory.course_item(course, name="Intro")
    exam = factory.course_item(course, item_type="exam", name="Final", exam_id=4410)
    factory.progress(user, course)
    score_item(api, user, exam, "passed", 90)
    rows = report(api, report_type="single_user_single_course", user_id=user["id"], course_id=course["id"])
    assert [(int(r["Course Item ID"]), r["Status"], r["Score"]) for r in rows] == [
        (first["id"], "not-started", ""),
        (exam["id"], "passed", "90"),
    ]
    sample = report(api, report_type="single_course_single_user", user_id=user["id"], course_id=course["id"])
    assert sample == rows
    stranger = factory.user()
    unenrolled = {"user_id": stranger["id"], "course_id": course["id"]}
    assert refused(api, "get_report", report_type="single_user_single_course", **unenrolled) == 404


def test_an_exam_report_lists_every_enrolled_user_of_the_exams_course(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course = factory.course()
    exam = factory.course_item(course, item_type="exam", exam_id=987654)
    taker, idle = factory.user(), factory.user()
    factory.progress(taker, course)
    factory.progress(idle, course)
    score_item(api, taker, exam, "failed", 30)
    rows = report(api, report_type="single_exam", exam_id=987654)
    assert {int(r["User ID"]): (r["Status"], r["Score"]) for r in rows} == {
        taker["id"]: ("failed", "30"),
        idle["id"]: ("not-started", ""),
    }
    assert refused(api, "get_report", report_type="single_exam", exam_id=123456789) == 404


def test_xlsx_parses_back_to_the_same_rows_as_csv_through_either_method(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user = factory.user()
    factory.progress(user, factory.course(), status="in-progress")
    as_csv = report(api, report_type="single_user", user_id=user["id"])
    params = {**KEYS, "report_type": "single_user", "user_id": user["id"], "format": "xlsx"}
    response = api.get("/get_report", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert 'filename="single_user.xlsx"' in response.headers["content-disposition"]
    parsed = xlsx_rows(response.content)
    assert [{k: "" if v is None else str(v) for k, v in row.items()} for row in parsed] == as_csv
    assert isinstance(parsed[0]["Course ID"], int)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"report_type": "every_thing"}, 400),
        ({"report_type": "all_users", "format": "pdf"}, 400),
        ({"report_type": "all_users", "format": "xml"}, 400),
        ({"report_type": "single_user"}, 400),
        ({"report_type": "single_course"}, 400),
        ({"report_type": "single_group_all_users"}, 400),
        ({"report_type": "single_exam"}, 400),
        ({"report_type": "single_user", "user_id": 999999}, 404),
        ({"report_type": "single_user", "user_email": "nobody@example.com"}, 404),
        ({"report_type": "single_course", "course_id": 999999}, 404),
        ({"report_type": "single_group_all_courses", "user_group_id": 999999}, 404),
    ],
)
def test_bad_report_requests_are_refused(api: httpx.Client, params: dict[str, Any], status: int) -> None:
    assert refused(api, "get_report", **params) == status
    assert refused(api, "generate_async_report", **params) == status


def test_report_errors_answer_xml_for_accept_xml_not_for_format_xml(api: httpx.Client) -> None:
    as_xml = api.post(
        "/get_report", json={**KEYS, "report_type": "single_user"}, headers={"Accept": "application/xml"}
    )
    assert as_xml.status_code == 400
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert decode(as_xml.content)["status"] == 400
    bad_format = api.post("/get_report", params={"format": "xml"}, json={**KEYS, "report_type": "all_users"})
    assert bad_format.status_code == 400
    assert bad_format.headers["content-type"].startswith("application/json")
    # The file itself is a file whatever Accept says.
    accepted = api.post(
        "/get_report", json={**KEYS, "report_type": "all_courses"}, headers={"Accept": "application/xml"}
    )
    assert accepted.headers["content-type"].startswith("text/csv")


# asynchronous reports


def keyed_get(api: httpx.Client, url: str) -> httpx.Response:
    return api.get(url, headers=KEY_HEADERS)


def test_an_async_report_is_pending_then_complete_at_its_second_read_with_a_working_download(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user = factory.user()
    factory.progress(user, factory.course(), status="passed")
    started = call(api, "generate_async_report", report_type="single_user", user_id=user["id"])
    assert started["status_url"].startswith(f"{BASE}/get_async_report?report_id=")
    first = keyed_get(api, started["status_url"])
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["url"], first.json()["data"]) == ("pending", None, None)
    second = keyed_get(api, started["status_url"]).json()
    assert second["status"] == "complete"
    assert second["report_id"] == started["report_id"]
    expected = report(api, report_type="single_user", user_id=user["id"])
    assert list(csv.DictReader(io.StringIO(second["data"]))) == expected
    downloaded = api.get(second["url"])
    assert csv_rows(downloaded) == expected
    # Complete, it stays as it was: a later change does not alter it.
    factory.progress(user, factory.course())
    assert call(api, "get_async_report", report_id=started["report_id"])["data"] == second["data"]


def test_an_async_report_completes_at_its_first_read_once_the_sandbox_clock_is_past_due(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    started = call(api, "generate_async_report", report_type="all_courses", format="xlsx")
    sandbox.clock.advance(seconds=29)
    assert call(api, "get_async_report", report_id=started["report_id"])["status"] == "pending"
    again = call(api, "generate_async_report", report_type="all_courses", format="xlsx")
    sandbox.clock.advance(seconds=31)
    done = call(api, "get_async_report", report_id=again["report_id"])
    assert (done["status"], done["format"], done["data"]) == ("complete", "xlsx", None)
    downloaded = api.get(done["url"])
    assert downloaded.headers["content-type"] == XLSX
    assert {row["Course ID"] for row in xlsx_rows(downloaded.content)} == {
        c["id"] for c in call(api, "get_courses")
    }


def test_an_async_report_whose_user_is_deleted_before_it_completes_fails(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user = factory.user()
    started = call(api, "generate_async_report", report_type="single_user", user_id=user["id"])
    call(api, "destroy_user", user_id=user["id"])
    call(api, "get_async_report", report_id=started["report_id"])
    failed = call(api, "get_async_report", report_id=started["report_id"])
    assert (failed["status"], failed["url"]) == ("failed", None)
    assert str(user["id"]) in failed["error"]


def test_unknown_or_unfinished_async_reports_are_refused(api: httpx.Client) -> None:
    assert refused(api, "get_async_report") == 400
    assert refused(api, "get_async_report", report_id=999999) == 404
    started = call(api, "generate_async_report", report_type="all_users")
    pending = api.get(f"http://sandbox/skyprep/admin/reports/download?report_id={started['report_id']}")
    assert pending.status_code == 404
    assert "pending" in pending.json()["message"]
    assert api.get("http://sandbox/skyprep/admin/reports/download?report_id=999999").status_code == 404


def test_an_async_reports_status_answers_xml(api: httpx.Client) -> None:
    started = call(api, "generate_async_report", report_type="all_users")
    response = api.get(
        "/get_async_report", params={**KEYS, "report_id": started["report_id"], "format": "xml"}
    )
    assert response.headers["content-type"].startswith("application/xml")
    assert decode(response.content)["status"] == "pending"


# saved advanced reports


def test_the_seeded_saved_reports_are_listed_with_links_that_run_them_on_the_current_state(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    listed = call(api, "get_saved_advanced_reports")
    by_name = {r["name"]: r for r in listed}
    assert {"All Course Progresses Report", "All Users Report", "Course Summary Report"} <= set(by_name)
    sample = by_name["All Course Progresses Report"]
    assert sample["model_type"] == "saved_advanced_report"
    assert sample["saved_advanced_report_id"] == sample["id"]
    assert sample["csv_url"].endswith(f"file_format=csv&saved_advanced_report_id={sample['id']}")
    before = csv_rows(api.get(sample["csv_url"]))
    progresses = call(api, "get_course_progresses")
    user, course = factory.user(), factory.course()
    factory.progress(user, course, status="passed")
    after = csv_rows(api.get(sample["csv_url"]))
    assert len(after) == len(before) + 1
    assert {int(r["Course Progress ID"]) for r in before} <= {p["id"] for p in progresses}
    assert [(r["Email"], r["Status"]) for r in after if int(r["Course ID"]) == course["id"]] == [
        (user["email"], "passed")
    ]
    as_xlsx = xlsx_rows(api.get(sample["xlsx_url"]).content)
    assert len(as_xlsx) == len(after)


def test_a_saved_report_runs_through_the_call_as_csv_or_xlsx(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course = factory.course()
    learner = factory.user()
    factory.progress(learner, course, status="in-progress")
    saved = factory.saved_advanced_report("single_course", name="Forensics Course", course_id=course["id"])
    assert saved["report_params"] == {"course_id": course["id"]}
    read = call(api, "get_saved_advanced_reports")
    assert saved["id"] in {r["id"] for r in read}
    rows = csv_rows(
        api.post("/get_saved_advanced_report", json={**KEYS, "saved_advanced_report_id": saved["id"]})
    )
    assert [(r["Email"], r["Status"]) for r in rows] == [(learner["email"], "in-progress")]
    response = api.get(
        "/get_saved_advanced_report",
        params={**KEYS, "saved_advanced_report_id": saved["id"], "format": "xlsx"},
    )
    assert [(r["Email"], r["Status"]) for r in xlsx_rows(response.content)] == [
        (learner["email"], "in-progress")
    ]


def test_bad_saved_report_requests_are_refused(api: httpx.Client) -> None:
    sample = call(api, "get_saved_advanced_reports")[0]
    assert refused(api, "get_saved_advanced_report") == 400
    assert refused(api, "get_saved_advanced_report", saved_advanced_report_id=999999) == 404
    assert (
        refused(api, "get_saved_advanced_report", saved_advanced_report_id=sample["id"], format="pdf") == 400
    )
    bad = api.get(
        f"http://sandbox/skyprep/admin/advanced_reports/download?file_format=doc&saved_advanced_report_id={sample['id']}"
    )
    assert bad.status_code == 400
    assert (
        api.get(
            "http://sandbox/skyprep/admin/advanced_reports/download?saved_advanced_report_id=1"
        ).status_code
        == 404
    )


def test_the_saved_report_list_answers_xml(api: httpx.Client) -> None:
    response = api.post("/get_saved_advanced_reports", params={"format": "xml"}, json=KEYS)
    assert response.headers["content-type"].startswith("application/xml")
    assert decode(response.content) == call(api, "get_saved_advanced_reports")


def test_the_same_state_and_sandbox_clock_give_the_same_xlsx_bytes(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.clock.freeze()
    params = {**KEYS, "report_type": "all_users", "format": "xlsx"}
    first, second = api.post("/get_report", json=params), api.post("/get_report", json=params)
    assert first.content == second.content
    sandbox.clock.advance(days=1)
    assert api.post("/get_report", json=params).content != first.content


def test_the_json_answers_of_the_report_calls_come_in_xml_for_accept_xml(api: httpx.Client) -> None:
    params = {**KEYS, "report_type": "all_users", "format": "csv"}
    response = api.post("/generate_async_report", json=params, headers={"Accept": "application/xml"})
    assert response.headers["content-type"].startswith("application/xml")
    started = decode(response.content)
    assert started["status_url"].endswith(f"report_id={started['report_id']}")
    as_json = api.post("/generate_async_report", json=params)
    assert as_json.headers["content-type"].startswith("application/json")
