"""SkyPrep's courses as plain functions over the store: courses, direct enrollments, OTP keys, and the
enrollment graph's reads (which courses a user reaches, and how).

A user reaches a course directly (an enrollment), through a user group it belongs to that holds the
course, or through a learning path that holds the course and that the user, or one of its groups, is
enrolled in. An OTP key remembers the course's ``subscribe_key`` when it was made and works only while the
course has that key again: a change invalidates it, a revert makes it valid again (the doc's rule).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

from ...errors import InvalidInput, NotFound
from ...store import Record, VendorData
from .model import (
    COURSE_ITEMS,
    COURSES,
    ENROLLMENTS,
    GROUP_COURSES,
    LEARNING_PATHS,
    MEMBERSHIPS,
    OTP_KEYS,
    PATH_COURSES,
    PATH_GROUPS,
    PATH_USERS,
    PROGRESSES,
    USER_GROUPS,
    catalog_fields,
    drop_catalog_entry,
    drop_links,
    drop_progresses,
    find_record,
    id_list,
    link_id,
    new_id,
    now,
    public,
    require_existing,
    stamp,
)

# get_user_course_status: the course progress's status where there is one (written with "_" for "-"), else
# a direct enrollment's, "not_started" through a group or a learning path, and not enrolled when the user
# does not reach the course.
STATUSES = ("not_started", "in_progress", "passed", "failed")
NOT_ENROLLED = "not_enrolled"
COURSE_FIELDS = ("name", "description", "active", "subscribe_key")
_OTP_ALPHABET = string.ascii_lowercase + string.digits


def find_course(data: VendorData, course_id: Any) -> Record:
    """The course named by ``course_id``; 400 without one, 404 for an unknown id."""
    return find_record(data, COURSES, course_id, "course_id", "course")


def answer(data: VendorData, course: Record) -> Record:
    """A course as the API answers it: integer id, the groups and paths that hold it, its catalog entry."""
    made = public(course)
    made["user_group_ids"] = sorted(int(link["user_group_id"]) for link in _group_links(data, course["id"]))
    paths = data.find(PATH_COURSES, "course_id", course["id"])
    made["learning_path_ids"] = sorted(int(link["learning_path_id"]) for link in paths)
    made.update(catalog_fields(data, "course", course["id"]))
    return made


def list_courses(data: VendorData) -> list[Record]:
    return list(data.collection(COURSES).values())


def subscribe_key(data: VendorData) -> str:
    """A fresh subscribe key (from the store's generator, so seeded courses are the same every time)."""
    return "".join(data.random.choice(_OTP_ALPHABET) for _ in range(10))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def create_course(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """create_course: a named course, active unless told otherwise, with a subscribe key of its own."""
    name = str(fields.get("name") or "").strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    course: Record = {
        "id": str(new_id(data)),
        "name": name,
        "description": _text(fields.get("description")),
        "active": fields.get("active") is not False,
        "subscribe_key": _text(fields.get("subscribe_key")) or subscribe_key(data),
        "created_at": stamp(now(data)),
    }
    return data.insert(COURSES, course)


def update_course(data: VendorData, course: Record, fields: Mapping[str, Any]) -> Record:
    """update_course: only the parameters given change."""
    changes = {name: fields[name] for name in COURSE_FIELDS if name in fields}
    if "name" in changes:
        changes["name"] = str(changes["name"] or "").strip()
        if not changes["name"]:
            raise InvalidInput("name must not be empty", field="name")
    if "active" in changes:
        changes["active"] = changes["active"] is True
    for name in ("description", "subscribe_key"):
        if name in changes:
            changes[name] = _text(changes[name])
    return data.update(COURSES, course["id"], changes)


def destroy_course(data: VendorData, course: Record) -> None:
    """destroy_course: the course, its enrollments, group and path links, OTP keys, catalog entry, items
    and progress go."""
    drop_links(data, ENROLLMENTS, "course_id", course["id"])
    drop_links(data, GROUP_COURSES, "course_id", course["id"])
    drop_links(data, PATH_COURSES, "course_id", course["id"])
    drop_links(data, OTP_KEYS, "course_id", course["id"])
    drop_catalog_entry(data, "course", course["id"])
    drop_progresses(data, "course_id", course["id"])
    drop_links(data, COURSE_ITEMS, "course_id", course["id"])
    data.delete(COURSES, course["id"])


# direct enrollments


def enroll(data: VendorData, user: Record, course: Record, *, status: str = "not_started") -> Record:
    """The user's direct enrollment in the course (made once; enrolling again keeps the first)."""
    key = link_id(user["id"], course["id"])
    found = data.collection(ENROLLMENTS).get(key)
    if found is not None:
        return found
    link: Record = {
        "id": key,
        "user_id": user["id"],
        "course_id": course["id"],
        "status": status,
        "enrolled_at": stamp(now(data)),
    }
    return data.insert(ENROLLMENTS, link)


def unenroll(data: VendorData, user: Record, course: Record) -> None:
    """remove_user_from_course: the direct enrollment goes (a group's reach is the group's to remove)."""
    key = link_id(user["id"], course["id"])
    if key not in data.collection(ENROLLMENTS):
        raise NotFound(
            f"User {user['id']} is not enrolled in course {course['id']} directly", field="course_id"
        )
    data.delete(ENROLLMENTS, key)


def enroll_in_courses(data: VendorData, user: Record, course_ids: Any) -> None:
    """enroll_user_in_courses: every course of the list, or none when one is unknown."""
    wanted = id_list(course_ids, "course_ids")
    require_existing(data, COURSES, wanted, "course_ids")
    for cid in wanted:
        enroll(data, user, data.collection(COURSES)[str(cid)])


# the graph's reads


def _group_links(data: VendorData, course_id: str) -> list[Record]:
    return data.find(GROUP_COURSES, "course_id", course_id)


def group_ids_of_user(data: VendorData, user_id: str) -> list[str]:
    """The user groups the user is a member of, in id order."""
    return sorted((m["user_group_id"] for m in data.find(MEMBERSHIPS, "user_id", user_id)), key=int)


def path_ids_of_user(data: VendorData, user_id: str) -> list[str]:
    """The learning paths the user is enrolled in, directly or through one of its user groups, in id order."""
    found = {link["learning_path_id"] for link in data.find(PATH_USERS, "user_id", user_id)}
    for gid in group_ids_of_user(data, user_id):
        found.update(link["learning_path_id"] for link in data.find(PATH_GROUPS, "user_group_id", gid))
    return sorted((pid for pid in found if pid in data.collection(LEARNING_PATHS)), key=int)


def reached_course_ids(data: VendorData, user_id: str) -> dict[str, str]:
    """Course id -> how the user reaches it (``direct``, else ``user_group``, else ``learning_path``)."""
    how: dict[str, str] = {}
    for pid in path_ids_of_user(data, user_id):
        for link in data.find(PATH_COURSES, "learning_path_id", pid):
            how[link["course_id"]] = "learning_path"
    for gid in group_ids_of_user(data, user_id):
        if gid in data.collection(USER_GROUPS):
            for link in data.find(GROUP_COURSES, "user_group_id", gid):
                how[link["course_id"]] = "user_group"
    for link in data.find(ENROLLMENTS, "user_id", user_id):
        how[link["course_id"]] = "direct"
    return {cid: how[cid] for cid in sorted(how, key=int) if cid in data.collection(COURSES)}


def user_courses(data: VendorData, user: Record) -> list[Record]:
    """get_user_courses: every course the user reaches, directly, through a group or a learning path."""
    return [data.collection(COURSES)[cid] for cid in reached_course_ids(data, user["id"])]


def course_status(data: VendorData, user: Record, course: Record) -> str:
    """get_user_course_status: the progress's status, else the direct enrollment's, or how the graph says
    the user stands."""
    if course["id"] not in reached_course_ids(data, user["id"]):
        return NOT_ENROLLED
    for progress in data.find(PROGRESSES, "user_id", user["id"]):
        if progress["course_id"] == course["id"]:
            return str(progress["status"]).replace("-", "_")
    direct = data.collection(ENROLLMENTS).get(link_id(user["id"], course["id"]))
    return str(direct["status"]) if direct is not None else "not_started"


# OTP keys


def _otp_key() -> str:
    parts = ("".join(secrets.choice(_OTP_ALPHABET) for _ in range(size)) for size in (4, 4, 3))
    return "-".join(parts)


def make_otp_keys(data: VendorData, course: Record, count: int) -> list[str]:
    """get_course_otp: ``count`` single-use keys, tied to the course's current subscribe key."""
    if not 1 <= count <= 100:
        raise InvalidInput("count must be between 1 and 100", field="count")
    keys = []
    for _ in range(count):
        key = _otp_key()
        data.insert(
            OTP_KEYS, {"id": key, "course_id": course["id"], "subscribe_key": course["subscribe_key"]}
        )
        keys.append(key)
    return keys


def redeem_otp_key(data: VendorData, course: Record, key: str, user: Record) -> Record:
    """The enrollment page: a valid key enrolls the user once and is used up; others are refused."""
    entry = data.collection(OTP_KEYS).get(key.strip())
    if entry is None or entry["course_id"] != course["id"]:
        raise NotFound("This enrollment key is not valid for this course", field="otp_key")
    if entry["subscribe_key"] != course["subscribe_key"]:
        # Kept, not deleted: reverting the course's subscribe key makes it valid again.
        raise NotFound(
            "This enrollment key was invalidated: the course's subscribe key changed", field="otp_key"
        )
    data.delete(OTP_KEYS, entry["id"])
    return enroll(data, user, course)
