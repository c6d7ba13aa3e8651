"""Plain helpers shared by the SkyPrep tests: the scenario's keys and people, calls with the keys."""

from __future__ import annotations

from typing import Any

import httpx

KEYS = {"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"}
KEY_HEADERS = {"X-SkyPrep-API-Key": KEYS["api_key"], "X-SkyPrep-Acct-Key": KEYS["acct_key"]}
BASE = "http://sandbox/skyprep/admin/api"
JOHN = "john.doe@sandbox.skyprepapp.com"
JAMES = "james.doakes@sandbox.skyprepapp.com"


def call(api: httpx.Client, call_name: str, /, **params: Any) -> Any:
    """POST ``call_name`` with the keys and ``params`` in a JSON body; the answer, which must be a 200."""
    response = api.post(f"/{call_name}", json={**KEYS, **params})
    assert response.status_code == 200, (call_name, response.text)
    return response.json()


def refusal(api: httpx.Client, call_name: str, /, **params: Any) -> httpx.Response:
    """POST ``call_name`` as ``call`` does; the response, which must be a 4xx."""
    response = api.post(f"/{call_name}", json={**KEYS, **params})
    assert 400 <= response.status_code < 500, (call_name, response.status_code, response.text)
    return response


def refused(api: httpx.Client, call_name: str, /, **params: Any) -> int:
    """The 4xx status ``call_name`` answers with."""
    return refusal(api, call_name, **params).status_code


def course_ids(api: httpx.Client, **user: Any) -> list[int]:
    return [c["id"] for c in call(api, "get_user_courses", **user)]


def status(api: httpx.Client, course: int, **user: Any) -> str:
    return str(call(api, "get_user_course_status", course_id=course, **user)["status"])


def assert_unenrolled(api: httpx.Client, user: dict[str, Any], course: dict[str, Any]) -> None:
    """``user`` has no course at all, and ``course`` reads back as not enrolled."""
    assert course_ids(api, user_id=user["id"]) == []
    assert status(api, course["id"], user_id=user["id"]) == "not_enrolled"


def score_item(api: httpx.Client, user: dict[str, Any], item: dict[str, Any], status: str, score: int) -> Any:
    """Set ``user``'s progress on course ``item`` to ``status`` with ``score``; the answer (a 200)."""
    return call(
        api,
        "set_course_item_progress",
        user_id=user["id"],
        course_item_id=item["id"],
        set_status=status,
        score=score,
    )


def assert_bad_input_refused(api: httpx.Client, name: str, params: dict[str, Any], expected: int) -> None:
    """``name`` with ``params`` answers ``expected`` in SkyPrep's error body, posted as JSON and as a GET."""
    for response in (
        api.post(f"/{name}", json={**KEYS, **params}),
        api.get(f"/{name}", params={**KEYS, **params}),
    ):
        assert response.status_code == expected, (response.request.url, response.text)
        assert set(response.json()) == {"status", "message"}
