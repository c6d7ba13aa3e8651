"""SkyPrep's learning paths as plain functions over the store: paths, their courses, users and groups.

A learning path is the enrollment graph's third way to a course: a user enrolled in a path, or a member
of a user group added to it, reaches every course the path holds (see ``courses.reached_course_ids``).
The doc's "course bundles" (mass_enroll's ``course_bundle_ids``, get_user_courses' "through groups and
course bundle") are read as learning paths: the doc names no other bundle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import NotFound
from ...store import Record, VendorData
from .links import add_link, create_linked, remove_link
from .model import (
    COURSES,
    LEARNING_PATHS,
    PATH_COURSES,
    PATH_GROUPS,
    PATH_USERS,
    USER_GROUPS,
    USERS,
    catalog_fields,
    drop_catalog_entry,
    drop_links,
    find_record,
    id_list,
    name_changes,
    public,
    required_name,
)


def find_path(data: VendorData, learning_path_id: Any) -> Record:
    """The path named by ``learning_path_id``; 400 without one, 404 for an unknown id."""
    return find_record(data, LEARNING_PATHS, learning_path_id, "learning_path_id", "learning path")


def _ids(data: VendorData, collection: str, path: Record, field: str) -> list[int]:
    return sorted(int(link[field]) for link in data.find(collection, "learning_path_id", path["id"]))


def answer(data: VendorData, path: Record) -> Record:
    """A path as the API answers it: integer id, its courses, users and groups, its catalog entry."""
    made = public(path)
    made["course_ids"] = _ids(data, PATH_COURSES, path, "course_id")
    made["user_ids"] = _ids(data, PATH_USERS, path, "user_id")
    made["user_group_ids"] = _ids(data, PATH_GROUPS, path, "user_group_id")
    made.update(catalog_fields(data, "learning_path", path["id"]))
    return made


def list_paths(data: VendorData) -> list[Record]:
    return list(data.collection(LEARNING_PATHS).values())


def _optional_ids(fields: Mapping[str, Any], name: str) -> list[int]:
    return id_list(fields[name], name) if fields.get(name) not in (None, "", []) else []


def create_path(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """create_learning_path: a named path with the courses, users and groups named, or nothing at all."""
    name = required_name(fields)
    course_ids = _optional_ids(fields, "course_ids")
    user_ids = _optional_ids(fields, "user_ids")
    group_ids = _optional_ids(fields, "user_group_ids")
    links = [
        (COURSES, course_ids, "course_ids", add_course),
        (USERS, user_ids, "user_ids", enroll_user),
        (USER_GROUPS, group_ids, "user_group_ids", add_group),
    ]
    return create_linked(data, LEARNING_PATHS, name, fields, links)


def update_path(data: VendorData, path: Record, fields: Mapping[str, Any]) -> Record:
    """update_learning_path: its name and description (only those given change)."""
    return data.update(LEARNING_PATHS, path["id"], name_changes(fields))


def destroy_path(data: VendorData, path: Record) -> None:
    """destroy_learning_path: the path, its course, user and group links, and its catalog entry go."""
    for collection in (PATH_COURSES, PATH_USERS, PATH_GROUPS):
        drop_links(data, collection, "learning_path_id", path["id"])
    drop_catalog_entry(data, "learning_path", path["id"])
    data.delete(LEARNING_PATHS, path["id"])


def _link(data: VendorData, collection: str, path: Record, field: str, other: Record) -> None:
    add_link(data, collection, ("learning_path_id", path), (field, other))


def _unlink(data: VendorData, collection: str, path: Record, other: Record, what: str) -> None:
    missing = NotFound(f"Learning path {path['id']} does not hold {what} {other['id']}", field=f"{what}_id")
    remove_link(data, collection, path, other, missing)


def add_course(data: VendorData, path: Record, course: Record) -> None:
    """add_course_to_learning_path (once): everyone enrolled in the path reaches the course."""
    _link(data, PATH_COURSES, path, "course_id", course)


def remove_course(data: VendorData, path: Record, course: Record) -> None:
    """remove_course_from_learning_path; 404 when the path does not hold the course."""
    _unlink(data, PATH_COURSES, path, course, "course")


def add_group(data: VendorData, path: Record, group: Record) -> None:
    """add_group_to_learning_path (once): every member of the group reaches the path's courses."""
    _link(data, PATH_GROUPS, path, "user_group_id", group)


def remove_group(data: VendorData, path: Record, group: Record) -> None:
    """remove_group_from_learning_path; 404 when the group is not in the path."""
    _unlink(data, PATH_GROUPS, path, group, "user_group")


def enroll_user(data: VendorData, path: Record, user: Record) -> None:
    """A user enrolled in the path (create_learning_path's user_ids, mass_enroll's course_bundle_ids)."""
    _link(data, PATH_USERS, path, "user_id", user)
