"""SkyPrep's catalog as plain functions over the store: which courses and learning paths are listed, and
which user groups a listed one is restricted to.

The catalog is what learners may browse; it enrolls nobody, so the enrollment graph does not read it.
A listed course or path with no group restriction is visible to everyone; one with groups only to their
members. Reads show it on the course and the path (``in_catalog``, ``catalog_user_group_ids``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InvalidInput, NotFound
from ...store import VendorData
from .model import (
    CATALOG,
    CATALOG_GROUPS,
    COURSES,
    LEARNING_PATHS,
    USER_GROUPS,
    catalog_key,
    drop_catalog_entry,
    drop_links,
    id_list,
    link_id,
    require_existing,
)


def _given(fields: Mapping[str, Any], name: str) -> list[int]:
    value = fields.get(name)
    return [] if value is None or value == "" or value == [] else id_list(value, name)


def _named(data: VendorData, fields: Mapping[str, Any], course_name: str, path_name: str) -> list[str]:
    """The catalog keys of the courses and paths a call names, all existing (else 404); 400 for none."""
    courses, paths = _given(fields, course_name), _given(fields, path_name)
    if not courses and not paths:
        raise InvalidInput(f"Send {course_name} or {path_name} (or both)", field=course_name)
    require_existing(data, COURSES, courses, course_name)
    require_existing(data, LEARNING_PATHS, paths, path_name)
    keys = [catalog_key("course", str(cid)) for cid in courses]
    return keys + [catalog_key("learning_path", str(pid)) for pid in paths]


def _groups(data: VendorData, fields: Mapping[str, Any]) -> list[int]:
    group_ids = _given(fields, "user_group_ids")
    require_existing(data, USER_GROUPS, group_ids, "user_group_ids")
    return group_ids


def _restrict(data: VendorData, key: str, group_ids: list[int]) -> None:
    for gid in group_ids:
        link = link_id(key, str(gid))
        if link not in data.collection(CATALOG_GROUPS):
            data.insert(CATALOG_GROUPS, {"id": link, "entry_id": key, "user_group_id": str(gid)})


def add_to_catalog(data: VendorData, fields: Mapping[str, Any]) -> None:
    """add_course_or_learning_path_to_catalog: list each one, restricted also to ``user_group_ids``."""
    keys = _named(data, fields, "course_ids", "learning_path_ids")
    group_ids = _groups(data, fields)
    for key in keys:
        kind, rid = key.split(":")
        if key not in data.collection(CATALOG):
            data.insert(CATALOG, {"id": key, "kind": kind, "item_id": rid})
        _restrict(data, key, group_ids)


def remove_from_catalog(data: VendorData, fields: Mapping[str, Any]) -> None:
    """remove_course_or_learning_path_from_catalog: unlisted with its restrictions; 404 if not listed."""
    keys = _named(data, fields, "course_id", "learning_path_id")
    _require_listed(data, keys)
    for key in keys:
        kind, rid = key.split(":")
        drop_catalog_entry(data, kind, rid)


def update_enrollments(data: VendorData, fields: Mapping[str, Any]) -> None:
    """update_catalog_enrollments: each listed one is now restricted to exactly ``user_group_ids``."""
    keys = _named(data, fields, "course_id", "learning_path_id")
    group_ids = _groups(data, fields)
    _require_listed(data, keys)
    for key in keys:
        drop_links(data, CATALOG_GROUPS, "entry_id", key)
        _restrict(data, key, group_ids)


def _require_listed(data: VendorData, keys: list[str]) -> None:
    missing = [key for key in keys if key not in data.collection(CATALOG)]
    if missing:
        names = ", ".join(key.replace(":", " ") for key in missing)
        raise NotFound(f"Not in the catalog: {names}", field="course_id")
