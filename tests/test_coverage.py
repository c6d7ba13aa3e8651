"""Consumer coverage: the counters the journal layer feeds, the report built on each API's index, its
renderings, and ``GET /__sandbox__/coverage``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from mockserver import Sandbox, create_app
from mockserver.counters import Counters, body_fields
from mockserver.coverage import SCHEMA_FILE, ApiCoverage, OperationCoverage, Report, build_report
from mockserver.coverage_render import FORMATS, render
from mockserver.index import ApiIndex
from mockserver.sessions import HEADER
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY

from .conftest import AUTH


def _operation(report: dict[str, Any], api: str, operation: str) -> dict[str, Any]:
    found = next(a for a in report["apis"] if a["name"] == api)
    return next(o for o in found["operation_list"] if o["id"] == operation)


def _coverage(client: httpx.Client, **headers: str) -> dict[str, Any]:
    answer = client.get("/__sandbox__/coverage", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_statuses_and_declared_names_sent_are_counted_and_made_up_names_are_not(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    assert client.get("/apprentiscope/read-users/apprentice", headers=AUTH).status_code == 200
    assert client.get("/apprentiscope/read-users/apprentice", params={"made_up": "1"}).status_code == 401
    created = client.post(
        "/apprentiscope/create-user",
        headers=AUTH,
        json={
            "user": {"first_name": "A", "last_name": "B", "email": "a@b.example", "user_type": "apprentice"}
        },
    )
    assert created.status_code == 201, created.text
    report = _coverage(client)
    listed = _operation(report, "apprentiscope", "readUsers")
    assert listed["calls"] == 2
    assert listed["statuses_seen"] == {"200": 1, "401": 1}
    sent = {p["name"]: p["sent"] for p in listed["parameters"]}
    assert sent == {"user_type": 2, "filters": 0}
    assert {d["status"]: d["met"] for d in listed["statuses_documented"]} == {
        "200": True,
        "400": False,
        "401": True,
        "404": False,
    }
    made = _operation(report, "apprentiscope", "createUser")
    assert {p["name"]: p["sent"] for p in made["parameters"]} == {"user": 1}
    # A name no operation declares is not even kept (a client sending made-up names cannot grow them).
    counted = sandbox.default.coverage.snapshot()["apis"]["apprentiscope"]["operations"]
    assert counted["readUsers"]["sent"] == {"path:user_type": 2}
    untouched = _operation(report, "apprentiscope", "deleteUser")
    assert untouched["calls"] == 0
    assert untouched["statuses_seen"] == {}


def test_a_query_name_is_counted_in_any_case_and_a_path_to_no_operation_as_undocumented(
    client: httpx.Client,
) -> None:
    client.get("/apprentiscope/read-users/apprentice", params={"FILTERS": "{}"}, headers=AUTH)
    client.get("/apprentiscope/no-such-route", headers=AUTH)
    report = _coverage(client)
    listed = _operation(report, "apprentiscope", "readUsers")
    assert {p["name"]: p["sent"] for p in listed["parameters"]}["filters"] == 1
    assert next(a for a in report["apis"] if a["name"] == "apprentiscope")["unrouted"] == 1


def test_a_reset_clears_the_counts_and_a_journal_clear_does_not(client: httpx.Client) -> None:
    client.get("/apprentiscope/read-users/apprentice", headers=AUTH)
    client.delete("/__sandbox__/journal")
    assert _operation(_coverage(client), "apprentiscope", "readUsers")["calls"] == 1
    client.post("/__sandbox__/reset")
    assert _operation(_coverage(client), "apprentiscope", "readUsers")["calls"] == 0


def test_counts_outlive_the_journal_bound() -> None:
    app = create_app(apis=("apprentiscope",), journal_size=2)
    with sync_client(app) as client:
        for _ in range(5):
            client.get("/apprentiscope/read-users/apprentice", headers=AUTH)
        assert len(app.journal) == 2
        assert _operation(_coverage(client), "apprentiscope", "readUsers")["calls"] == 5


def test_each_session_counts_its_own(client: httpx.Client) -> None:
    client.get("/apprentiscope/read-users/apprentice", headers={**AUTH, HEADER: "cov-a"})
    client.get("/apprentiscope/read-users/apprentice", headers={**AUTH, HEADER: "cov-a"})
    try:
        assert _operation(_coverage(client, **{HEADER: "cov-a"}), "apprentiscope", "readUsers")["calls"] == 2
        assert _operation(_coverage(client), "apprentiscope", "readUsers")["calls"] == 0
        assert _operation(_coverage(client, **{HEADER: "cov-b"}), "apprentiscope", "readUsers")["calls"] == 0
    finally:
        client.delete(f"/__sandbox__/sessions/{'cov-a'}")
        client.delete(f"/__sandbox__/sessions/{'cov-b'}")


def test_a_reset_hands_what_it_forgets_to_the_spill() -> None:
    spilled: list[dict[str, Any]] = []
    counters = Counters(spilled.append)
    counters.count("api", "op", 200, ["query:a"])
    counters.clear()
    assert spilled[0]["apis"]["api"]["operations"]["op"] == {
        "calls": 1,
        "statuses": {"200": 1},
        "sent": {"query:a": 1},
    }
    assert counters.snapshot()["apis"] == {}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_report_lists_every_documented_operation_of_every_api(
    session_sandbox: Sandbox, name: str
) -> None:
    index = session_sandbox.contexts[name].index
    report = build_report({name: session_sandbox.documented[name]})
    (api,) = report.apis
    assert [o.id for o in api.operations] == [o.id for o in index.every() if o.id]
    assert all(
        o.documented
        == {k: str(r.get("description") or "") for k, r in index.operations[o.id].responses.items()}
        for o in api.operations
    )
    assert api.operation_ratio.done == 0
    assert api.operation_ratio.of == len(api.operations)


def _op(documented: dict[str, str], statuses: dict[str, int]) -> OperationCoverage:
    return OperationCoverage("op", "GET", "/x", documented, [], sum(statuses.values()), statuses)


def test_a_range_key_is_met_by_a_status_in_its_range_that_no_exact_key_names() -> None:
    documented = {"200": "ok", "404": "gone", "4XX": "client error", "default": "anything else"}
    assert _op(documented, {"404": 1}).never_met() == ["200", "4XX", "default"]
    assert _op(documented, {"418": 1}).never_met() == ["200", "404", "default"]
    assert _op(documented, {"503": 1}).never_met() == ["200", "404", "4XX"]
    assert _op(documented, {"0": 1}).never_met() == list(documented)


def test_never_met_speaks_of_the_api_the_status_and_the_description() -> None:
    operation = _op(
        {"200": "ok", "201": "made", "429": "Too many requests. Wait a second.", "401": "No token"},
        {"200": 1, "401": 2},
    )
    never = ApiCoverage("api", "The Vendor", [operation]).never_met()
    assert [n["sentence"] for n in never] == [
        "your tests never met The Vendor's 429 from op (Too many requests)"
    ]


def test_body_fields_are_the_top_level_properties_of_every_part_of_an_all_of() -> None:
    body = {"allOf": [{"$ref": "#/components/schemas/Named"}, {"properties": {"age": {"type": "integer"}}}]}
    spec = {
        "openapi": "3.0.3",
        "paths": {
            "/people": {
                "post": {
                    "operationId": "addPerson",
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "responses": {"201": {"description": "made"}},
                }
            }
        },
        "components": {"schemas": {"Named": {"properties": {"name": {"type": "string"}}}}},
    }
    index = ApiIndex({"": spec})
    assert body_fields(index.operations["addPerson"], index) == ["name", "age"]


def _sample() -> Report:
    documented = {"200": "ok", "401": "no <token>", "default": "error"}
    ops = [
        OperationCoverage(
            "listThings",
            "GET",
            "/things",
            documented,
            ["query:page", "header:X-Id"],
            3,
            {"200": 2, "500": 1},
            {"query:page": 2},
        ),
        OperationCoverage("getThing", "GET", "/things/{id}", documented, ["path:id"]),
    ]
    return Report(
        [ApiCoverage("thing", "Things <script>alert(1)</script> & Co", ops, 1)], "2026-01-01T00:00:00Z"
    )


def test_reports_merge_by_adding_their_counts() -> None:
    other = _sample()
    other.apis[0].operations[1].calls = 1
    other.apis[0].operations[1].statuses = {"401": 1}
    merged = _sample().merge(other)
    listed, got = merged.apis[0].operations
    assert (listed.calls, listed.statuses, listed.sent) == (6, {"200": 4, "500": 2}, {"query:page": 4})
    assert (got.calls, got.statuses) == (1, {"401": 1})
    assert merged.apis[0].unrouted == 2
    assert merged.operation_ratio.percent == 100.0
    assert _sample().operation_ratio.percent == 50.0


def test_the_json_report_validates_against_its_schema_and_reads_back() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(render(_sample(), "json"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert Report.from_json(data).to_json() == data
    app = create_app(apis=("apprentiscope", "dfe"))
    with sync_client(app) as client:
        client.get("/apprentiscope/read-users/apprentice", headers=AUTH)
        jsonschema.Draft202012Validator(schema).validate(_coverage(client))


def test_the_html_report_is_one_escaped_file_with_no_external_assets() -> None:
    page = render(_sample(), "html")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "no &lt;token&gt;" in page
    assert "src=" not in page
    assert "<link" not in page
    assert "http" not in page.replace("http-equiv", "")


def test_the_markdown_and_term_reports_say_what_was_never_met_or_sent() -> None:
    md = render(_sample(), "markdown")
    assert "| `listThings` | 3 | 200x2, 500x1 | 401 | X-Id (header) |" in md
    assert "\\|" not in md.split("### ")[0]
    assert "&lt;script&gt;" in md
    term = render(_sample(), "term")
    assert "operations 1/2 (50 %)" in term
    assert "never met Things <script>alert(1)</script> & Co's 401 from listThings (no <token>)" in term
    assert "never sent: listThings: X-Id (header)" in term
    assert "getThing" not in term  # not called: its unmet answers are the table's, not the summary's
    assert set(FORMATS) == {"term", "json", "markdown", "html"}
    with pytest.raises(ValueError, match="choose one of"):
        render(_sample(), "pdf")
