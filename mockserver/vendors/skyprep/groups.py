"""SkyPrep's user groups as plain functions over the store: groups, their members and their courses.

"A user who is enrolled into a user group has access to all the courses the user group has part of
it": a membership and a group's course link are the enrollment graph's second path (see ``courses``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InvalidInput, NotFound
from ...store import Record, VendorData
from .courses import enroll, group_ids_of_user
from .links import add_link, create_linked, remove_link
from .model import (
    CATALOG_GROUPS,
    COURSES,
    GROUP_COURSES,
    GROUP_MANAGERS,
    LEARNING_PATHS,
    MEMBERSHIPS,
    PATH_GROUPS,
    USER_GROUPS,
    USERS,
    drop_links,
    find_record,
    id_list,
    name_changes,
    public,
    require_existing,
    required_name,
)
from .paths import enroll_user as enroll_in_path


def find_group(data: VendorData, user_group_id: Any) -> Record:
    """The group named by ``user_group_id``; 400 without one, 404 for an unknown id."""
    return find_record(data, USER_GROUPS, user_group_id, "user_group_id", "user group")


def answer(data: VendorData, group: Record) -> Record:
    """A group as the API answers it: integer id, its courses' ids and its users (as get_user answers)."""
    made = public(group)
    links = data.find(GROUP_COURSES, "user_group_id", group["id"])
    made["course_ids"] = sorted(int(link["course_id"]) for link in links)
    members = sorted((m["user_id"] for m in data.find(MEMBERSHIPS, "user_group_id", group["id"])), key=int)
    users = data.collection(USERS)
    made["users"] = [public(users[uid]) for uid in members if uid in users]
    return made


def list_groups(data: VendorData) -> list[Record]:
    return list(data.collection(USER_GROUPS).values())


def groups_of_user(data: VendorData, user: Record) -> list[Record]:
    """get_user_group_enrollments_for_user: the groups the user is a member of."""
    groups = data.collection(USER_GROUPS)
    return [groups[gid] for gid in group_ids_of_user(data, user["id"]) if gid in groups]


def create_group(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """create_user_group: a named group, with the courses and users of ``course_ids`` and ``user_ids``."""
    name = required_name(fields)
    course_ids = id_list(fields["course_ids"], "course_ids") if fields.get("course_ids") else []
    user_ids = id_list(fields["user_ids"], "user_ids") if fields.get("user_ids") else []
    links = [(COURSES, course_ids, "course_ids", add_course), (USERS, user_ids, "user_ids", add_member)]
    return create_linked(data, USER_GROUPS, name, fields, links)


def update_group(data: VendorData, group: Record, fields: Mapping[str, Any]) -> Record:
    """update_user_group: its name and description (only those given change)."""
    return data.update(USER_GROUPS, group["id"], name_changes(fields))


def destroy_group(data: VendorData, group: Record) -> None:
    """destroy_user_group: the group, its memberships, course, path and catalog links and its managers'
    permissions go (users stay)."""
    drop_links(data, MEMBERSHIPS, "user_group_id", group["id"])
    drop_links(data, GROUP_MANAGERS, "user_group_id", group["id"])
    drop_links(data, GROUP_COURSES, "user_group_id", group["id"])
    drop_links(data, PATH_GROUPS, "user_group_id", group["id"])
    drop_links(data, CATALOG_GROUPS, "user_group_id", group["id"])
    data.delete(USER_GROUPS, group["id"])


def add_member(data: VendorData, group: Record, user: Record) -> None:
    """enroll_user_in_user_group (once; enrolling again changes nothing)."""
    add_link(data, MEMBERSHIPS, ("user_group_id", group), ("user_id", user))


def remove_member(data: VendorData, group: Record, user: Record) -> None:
    """remove_user_from_user_group; 404 when the user is not in the group."""
    missing = NotFound(f"User {user['id']} is not in user group {group['id']}", field="user_id")
    remove_link(data, MEMBERSHIPS, group, user, missing)


def add_course(data: VendorData, group: Record, course: Record) -> None:
    """add_course_to_user_group (once): every member reaches the course."""
    add_link(data, GROUP_COURSES, ("user_group_id", group), ("course_id", course))


def remove_course(data: VendorData, group: Record, course: Record) -> None:
    """remove_course_from_user_group; 404 when the group does not hold the course."""
    missing = NotFound(f"User group {group['id']} does not hold course {course['id']}", field="course_id")
    remove_link(data, GROUP_COURSES, group, course, missing)


def mass_enroll(data: VendorData, fields: Mapping[str, Any]) -> None:
    """mass_enroll: every user of ``user_emails`` into every course, group and course bundle (learning
    path) named, or nothing changes."""
    emails = _emails(fields.get("user_emails"))
    course_ids = id_list(fields["course_ids"], "course_ids") if fields.get("course_ids") else []
    group_ids = id_list(fields["user_group_ids"], "user_group_ids") if fields.get("user_group_ids") else []
    bundle_ids = (
        id_list(fields["course_bundle_ids"], "course_bundle_ids") if fields.get("course_bundle_ids") else []
    )
    users = []
    for email in emails:
        found = data.find(USERS, "email", email)
        if not found:
            raise NotFound(f"No user with email {email}", field="user_emails")
        users.append(found[0])
    require_existing(data, COURSES, course_ids, "course_ids")
    require_existing(data, USER_GROUPS, group_ids, "user_group_ids")
    require_existing(data, LEARNING_PATHS, bundle_ids, "course_bundle_ids")
    for user in users:
        for cid in course_ids:
            enroll(data, user, data.collection(COURSES)[str(cid)])
        for gid in group_ids:
            add_member(data, data.collection(USER_GROUPS)[str(gid)], user)
        for pid in bundle_ids:
            enroll_in_path(data, data.collection(LEARNING_PATHS)[str(pid)], user)


def _emails(value: Any) -> list[str]:
    """A comma-separated list of emails (or a JSON array of them)."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    emails = [str(item).strip() for item in items]
    if not emails or not all(emails):
        raise InvalidInput("user_emails must list emails separated by commas", field="user_emails")
    return list(dict.fromkeys(emails))
