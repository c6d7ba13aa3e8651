"""SkyPrep's manager permissions as plain functions over the store: a manager's rights in a user group.

"The SkyPrep API lets you assign manager permissions associated to a group." A link holds the user, the
group and nine permissions. Deleting the user or the group deletes its links (``model.destroy_user``,
``groups.destroy_group``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import Conflict, InvalidInput, NotFound
from ...store import Record, VendorData
from .model import GROUP_MANAGERS, USER_GROUPS, USERS, new_id

# Each permission and its value when assign_manager_to_user_group does not send it: the doc's
# get_manager_permissions_from_user_group sample (the assign sample sends the two course rights as "0" and
# answers them false, and every other right as in that sample).
PERMISSIONS: dict[str, bool] = {
    "can_add_users": True,
    "can_receive_notifications": True,
    "can_edit_course_progress": True,
    "can_remove_users": False,
    # Sic: the doc's spelling.
    "can_add_exisiting_users": False,
    "can_manage_all_group_users_courses": False,
    "can_add_courses_to_user_group": True,
    "can_remove_courses_from_user_group": True,
    "can_edit_user_password": False,
}
MANAGER_ROLE = "manager"


def _flags(fields: Mapping[str, Any]) -> dict[str, bool]:
    """The permissions ``fields`` sends, as booleans ("1"/"0" and "true"/"false" arrive typed already)."""
    changes: dict[str, bool] = {}
    for name in PERMISSIONS:
        if name in fields:
            value = fields[name]
            if not isinstance(value, bool):
                raise InvalidInput(f"{name} must be true or false (or 1 or 0)", field=name)
            changes[name] = value
    return changes


def find_link(data: VendorData, user: Record, group: Record) -> Record:
    """The user's manager link to the group; 404 when the user does not manage it."""
    for link in data.find(GROUP_MANAGERS, "user_group_id", group["id"]):
        if link["user_id"] == user["id"]:
            return link
    raise NotFound(f"User {user['id']} is not a manager of user group {group['id']}", field="user_id")


def assign(data: VendorData, user: Record, group: Record, fields: Mapping[str, Any]) -> Record:
    """assign_manager_to_user_group: the user (a manager) manages the group, with the permissions sent
    and the defaults for the others."""
    flags = _flags(fields)
    if user["role"] != MANAGER_ROLE:
        raise Conflict(
            f"User {user['id']} is a {user['role']}: only a manager can manage a user group "
            "(update_user with role=manager first)",
            field="user_id",
        )
    if any(link["user_id"] == user["id"] for link in data.find(GROUP_MANAGERS, "user_group_id", group["id"])):
        # A valid request the group's state refuses: a conflict, as for a second timeslot registration.
        raise Conflict(
            f"User {user['id']} already manages user group {group['id']}: "
            "use update_manager_permissions_in_user_group",
            field="user_id",
        )
    link: Record = {
        "id": str(new_id(data)),
        "user_id": user["id"],
        "user_group_id": group["id"],
        **PERMISSIONS,
        **flags,
    }
    return data.insert(GROUP_MANAGERS, link)


def update(data: VendorData, link: Record, fields: Mapping[str, Any]) -> Record:
    """update_manager_permissions_in_user_group: only the permissions sent change."""
    return data.update(GROUP_MANAGERS, link["id"], _flags(fields))


def remove(data: VendorData, link: Record) -> None:
    """remove_manager_from_user_group: the user no longer manages the group (user and group stay)."""
    data.delete(GROUP_MANAGERS, link["id"])


def answer(data: VendorData, link: Record) -> Record:
    """A manager link as the API answers it: the user, the group and every permission."""
    user = data.collection(USERS)[link["user_id"]]
    group = data.collection(USER_GROUPS)[link["user_group_id"]]
    return {
        "id": int(link["id"]),
        "user": {
            "id": int(user["id"]),
            "username": user["username"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
        },
        "user_group": {"id": int(group["id"]), "name": group["name"]},
        **{name: bool(link[name]) for name in PERMISSIONS},
    }
