"""Coursepath's groups: plain functions over the store.

A group is known by its ``name`` (compared ignoring case): adding a member to a name no group has yet
makes that group. Removing a member from a group leaves the group, even empty.
"""

from __future__ import annotations

from ...errors import InvalidInput, NotFound
from ...store import Record, VendorData
from .model import GROUP_MEMBERS, GROUPS, MEMBERS, first, linked, lookup, membership_key, now


def group_by_name(data: VendorData, name: str) -> Record | None:
    return first(data, GROUPS, "name", name)


def get_group(data: VendorData, group_id: str) -> Record:
    return lookup(data, GROUPS, group_id, f"Group {group_id} not found.", "groupId")


def create_group(data: VendorData, name: str, created: str) -> Record:
    return data.insert(GROUPS, {"id": data.new_id(GROUPS, 8), "name": name, "created": created})


def _clean(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("name must not be empty.", field="name")
    return cleaned


def add(data: VendorData, member: Record, name: str, *, added: str | None = None) -> tuple[Record, bool]:
    """The group called ``name`` (made if none is), with the member in it; and whether she is new there."""
    cleaned = _clean(name)
    group = group_by_name(data, cleaned) or create_group(data, cleaned, added or now(data))
    if membership_key(group, member) in data.collection(GROUP_MEMBERS):
        return group, False
    data.insert(
        GROUP_MEMBERS,
        {
            "id": membership_key(group, member),
            "groupId": group["id"],
            "memberId": member["id"],
            "added": added or now(data),
        },
    )
    return group, True


def remove(data: VendorData, member: Record, name: str | None) -> list[Record]:
    """Take the member out of the group called ``name``, or out of every group; the groups left."""
    if name is None:
        left = data.find(GROUP_MEMBERS, "memberId", member["id"])
    else:
        group = group_by_name(data, _clean(name))
        if group is None or membership_key(group, member) not in data.collection(GROUP_MEMBERS):
            raise NotFound(f"Member {member['id']} is not in a group named {name!r}.", field="name")
        left = [data.collection(GROUP_MEMBERS)[membership_key(group, member)]]
    groups = data.collection(GROUPS)
    for record in list(left):
        data.delete(GROUP_MEMBERS, record["id"])
    return [groups[r["groupId"]] for r in left]


def groups_of(data: VendorData, member: Record) -> list[Record]:
    return linked(data, GROUP_MEMBERS, member, ("memberId", "groupId"), GROUPS)


def members_of(data: VendorData, group: Record) -> list[Record]:
    return linked(data, GROUP_MEMBERS, group, ("groupId", "memberId"), MEMBERS)
