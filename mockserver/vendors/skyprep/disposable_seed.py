"""The scenario's disposable SkyPrep records: the ones only the spec's destructive examples name (destroy,
delete, remove), each at a fixed id and with the links those examples undo.

They are made after everything else, so the records a seed generates keep their ids and their random
links, and no other example names them, so a contract run may remove them in any order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from ...errors import FixtureError
from ...store import Record, VendorData
from . import catalog, courses, groups, managers, model, paths, progress, saved_reports, trainings

# The collections of ``disposable`` whose entries fix an ``id``, and the lists of ids nested in them.
_COLLECTIONS = (
    "users",
    "courses",
    "user_groups",
    "learning_paths",
    "timeslots",
    "enrollments",
    "async_reports",
)
_NESTED = {"courses": "items", "timeslots": "registrations"}


def _entries(scenario: Mapping[str, Any], collection: str) -> list[dict[str, Any]]:
    section = scenario.get("disposable") or {}
    if not isinstance(section, dict):
        raise FixtureError("skyprep scenario: disposable must be a mapping of collections")
    entries = section.get(collection) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise FixtureError(f"skyprep scenario: disposable.{collection} must be a list of mappings")
    return [dict(e) for e in entries]


def fixed_ids(scenario: Mapping[str, Any]) -> Iterator[int]:
    """Every id the disposable records fix, to keep from the ids the seed hands out before them."""
    for collection in _COLLECTIONS:
        for entry in _entries(scenario, collection):
            for key in ("id", "progress_id"):
                if key in entry:
                    yield int(entry[key])
            for nested in entry.get(_NESTED.get(collection, ""), None) or ():
                yield int(nested["id"])
                if "exam_id" in nested:
                    yield int(nested["exam_id"])


def _get(data: VendorData, collection: str, rid: Any, what: str) -> Record:
    found = data.collection(collection).get(str(int(rid)))
    if found is None:
        raise FixtureError(f"skyprep scenario: disposable.{what}: no record with id {rid}")
    return found


NEVER_DUE = datetime(9999, 12, 31, tzinfo=UTC).timestamp()


def seed(data: VendorData, scenario: Mapping[str, Any], moment: datetime) -> None:
    """Users, courses (with their items), groups, paths, enrollments, the catalog, timeslots and
    asynchronous reports, as ``disposable`` lists them, made by the API's own rules with the clock held
    at ``moment`` (before the scenario's anchor), so they carry its dates."""
    with data.clock_held_at(moment):
        _made(data, scenario)


def _made(data: VendorData, scenario: Mapping[str, Any]) -> None:
    for entry in _entries(scenario, "users"):
        fields = {k: v for k, v in entry.items() if k not in ("id", "power_user")}
        user = model.rekey(data, model.USERS, model.create_user(data, fields), int(entry["id"]))
        if entry.get("power_user"):
            model.make_power_users(data, {"user_ids": [int(entry["id"])], **entry["power_user"]})
    for entry in _entries(scenario, "courses"):
        fields = {k: v for k, v in entry.items() if k in ("name", "description")}
        course = model.rekey(data, model.COURSES, courses.create_course(data, fields), int(entry["id"]))
        for item in entry.get("items") or ():
            made = progress.create_item(data, course, item)
            model.rekey(data, model.COURSE_ITEMS, made, int(item["id"]))
    for entry in _entries(scenario, "user_groups"):
        made = groups.create_group(data, {"name": entry["name"], "description": entry.get("description")})
        group = model.rekey(data, model.USER_GROUPS, made, int(entry["id"]))
        for course_id in entry.get("course_ids") or ():
            groups.add_course(data, group, _get(data, model.COURSES, course_id, "user_groups"))
        for user_id in entry.get("user_ids") or ():
            groups.add_member(data, group, _get(data, model.USERS, user_id, "user_groups"))
        for user_id in entry.get("manager_ids") or ():
            managers.assign(data, _get(data, model.USERS, user_id, "user_groups"), group, {})
    for entry in _entries(scenario, "learning_paths"):
        made = paths.create_path(data, {"name": entry["name"], "description": entry.get("description")})
        path = model.rekey(data, model.LEARNING_PATHS, made, int(entry["id"]))
        for course_id in entry.get("course_ids") or ():
            paths.add_course(data, path, _get(data, model.COURSES, course_id, "learning_paths"))
        for user_id in entry.get("user_ids") or ():
            paths.enroll_user(data, path, _get(data, model.USERS, user_id, "learning_paths"))
        for group_id in entry.get("user_group_ids") or ():
            paths.add_group(data, path, _get(data, model.USER_GROUPS, group_id, "learning_paths"))
    enrollments = _entries(scenario, "enrollments")
    for entry in enrollments:
        user = _get(data, model.USERS, entry["user_id"], "enrollments")
        courses.enroll(data, user, _get(data, model.COURSES, entry["course_id"], "enrollments"))
    progress.sync(data)
    for entry in enrollments:
        if "progress_id" in entry:
            found = progress.progress_of(data, str(int(entry["user_id"])), str(int(entry["course_id"])))
            if found is None:
                raise FixtureError(
                    "skyprep scenario: disposable.enrollments: the enrollment made no progress"
                )
            model.rekey(data, model.PROGRESSES, found, int(entry["progress_id"]))
    listed = (scenario.get("disposable") or {}).get("catalog") or {}
    if listed:
        catalog.add_to_catalog(data, listed)
    for entry in _entries(scenario, "timeslots"):
        fields = {k: v for k, v in entry.items() if k not in ("id", "registrations")}
        slot = model.rekey(data, model.TIMESLOTS, trainings.create_timeslot(data, fields), int(entry["id"]))
        for registration in entry.get("registrations") or ():
            user = _get(data, model.USERS, registration["user_id"], "timeslots")
            made = trainings.register(data, slot, user, {"status": registration.get("status")})
            made = model.rekey(data, model.REGISTRATIONS, made, int(registration["id"]))
    for entry in _entries(scenario, "async_reports"):
        fields = {k: v for k, v in entry.items() if k != "id"}
        made = model.rekey(
            data, saved_reports.ASYNC_REPORTS, saved_reports.generate(data, fields), int(entry["id"])
        )
        # Made under the seeding clock, it would be long due; it stays pending until its second read
        # (and the same bytes on any day): due at the end of the calendar.
        data.update(
            saved_reports.ASYNC_REPORTS,
            made["id"],
            {"ready_at": NEVER_DUE},
        )
