"""The scenario's disposable records: the ones only the spec's destructive examples name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mockserver import create_app
from mockserver.testing import sync_client

from .helpers import BASE, call

DEFAULT = Path(__file__).parents[2] / "fixtures" / "skyprep" / "default.yaml"


def _read(client: httpx.Client) -> dict[str, Any]:
    return {
        "users": call(client, "get_users"),
        "courses": call(client, "get_courses"),
        "groups": call(client, "get_user_groups"),
        "paths": call(client, "get_learning_paths"),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_disposable_records_sit_at_their_fixed_ids_with_the_links_the_examples_undo(seed: int) -> None:
    with sync_client(create_app(apis=("skyprep",), seed=seed), base_url=BASE) as client:
        assert call(client, "get_user", user_id=9001)["first_name"] == "Harry"
        assert call(client, "get_user", user_id=9003)["permissions"] == {
            "user_role_id": 781,
            "dataset_ids": [7481],
        }
        group = call(client, "get_user_group", user_group_id=9203)
        assert {9103, 9104} <= set(group["course_ids"])
        assert sorted(call(client, "get_learning_path", learning_path_id=9303)["user_group_ids"]) == [
            9203,
            9204,
        ]
        assert call(client, "get_course_progress", course_progress_id=9501)["user_id"] == 9007
        slot = call(
            client,
            "get_instructor_led_training_timeslot_registrations",
            instructor_led_training_timeslot_id=9403,
        )
        assert sorted(r["id"] for r in slot) == [9411, 9412]


def test_disposable_records_leave_the_generated_records_as_they_were(tmp_path: Path) -> None:
    scenario = yaml.safe_load(DEFAULT.read_text())
    del scenario["disposable"]
    without = tmp_path / "skyprep.yaml"
    without.write_text(yaml.safe_dump(scenario))
    with sync_client(create_app(apis=("skyprep",), fixtures=(without,)), base_url=BASE) as client:
        before = _read(client)
    with sync_client(create_app(apis=("skyprep",)), base_url=BASE) as client:
        after = _read(client)
    for name, listed in before.items():
        kept = [record for record in after[name] if record["id"] < 9000]
        assert [r["id"] for r in kept] == [r["id"] for r in listed], name
    assert {u["id"] for u in after["users"]} - {u["id"] for u in before["users"]} == set(range(9001, 9010))


def test_the_scenarios_asynchronous_report_is_pending_then_complete_at_its_fixed_id() -> None:
    with sync_client(create_app(apis=("skyprep",)), base_url=BASE) as client:
        first = call(client, "get_async_report", report_id=9701)
        second = call(client, "get_async_report", report_id=9701)
    assert (first["status"], second["status"]) == ("pending", "complete")
