"""SkyPrep's rules as plain functions over the store: users, power users, roles, datasets, login keys.

Courses, user groups and learning paths, and the enrollment graph between them, are in ``courses``,
``groups`` and ``paths``, the catalog in ``catalog``; the collections of all of them are named here, with
the helpers they share.

Records are stored as the API answers them, but for the id: SkyPrep's ids are integers, handed out in
order; the store keys records by the id's text, and ``public`` gives the integer back.
Times follow the sandbox clock and are formatted as the doc shows them ("June 23 2013 12:00:00").
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ...errors import Conflict, InvalidInput, NotFound
from ...excerpt import excerpt
from ...numerals import is_numeral
from ...store import Record, VendorData, clone

USERS = "users"
ROLES = "user_roles"
DATASETS = "datasets"
LOGIN_KEYS = "login_keys"
COURSES = "courses"
USER_GROUPS = "user_groups"
LEARNING_PATHS = "learning_paths"
# The enrollment graph: a user reaches a course directly (ENROLLMENTS), through a user group it is a
# member of (MEMBERSHIPS) that holds the course (GROUP_COURSES), or through a learning path that holds
# the course (PATH_COURSES) and that the user is enrolled in (PATH_USERS) or one of its groups is
# (PATH_GROUPS). Link records are keyed "<a>:<b>".
ENROLLMENTS = "course_enrollments"
MEMBERSHIPS = "user_group_members"
GROUP_COURSES = "user_group_courses"
PATH_COURSES = "learning_path_courses"
PATH_USERS = "learning_path_users"
PATH_GROUPS = "learning_path_groups"
OTP_KEYS = "course_otp_keys"
# The catalog: an entry per listed course or learning path (keyed "course:<id>", "learning_path:<id>"),
# and the user groups an entry is restricted to (keyed "<entry>:<group>"; none means everyone sees it).
CATALOG = "catalog_entries"
CATALOG_GROUPS = "catalog_entry_groups"
# Instructor-led trainings, their timeslots, and the users registered in a timeslot.
TRAININGS = "instructor_led_trainings"
TIMESLOTS = "instructor_led_training_timeslots"
REGISTRATIONS = "instructor_led_training_timeslot_registrations"
# Course progress: a user's progress in a course, the items of a course (the doc has no call that makes
# one), and a progress's record of one item (keyed "<progress>:<item>").
PROGRESSES = "course_progresses"
COURSE_ITEMS = "course_items"
ITEM_PROGRESSES = "course_item_progresses"
# Rewards (see ``rewards``): a user's gamification and skill transactions (balances are their sums),
# the skills, the competencies and the points of each skill a competency asks for (keyed
# "<competency>:<skill>"). Managers (see ``managers``): a manager's permissions in a user group.
GAMIFICATION_TRANSACTIONS = "gamification_transactions"
SKILLS = "skills"
SKILL_TRANSACTIONS = "skill_transactions"
COMPETENCIES = "competencies"
COMPETENCY_SKILLS = "competency_skills"
GROUP_MANAGERS = "user_group_managers"
COLLECTIONS = (
    USERS,
    ROLES,
    DATASETS,
    LOGIN_KEYS,
    COURSES,
    USER_GROUPS,
    ENROLLMENTS,
    MEMBERSHIPS,
    GROUP_COURSES,
    LEARNING_PATHS,
    PATH_COURSES,
    PATH_USERS,
    PATH_GROUPS,
    OTP_KEYS,
    CATALOG,
    CATALOG_GROUPS,
    TRAININGS,
    TIMESLOTS,
    REGISTRATIONS,
    PROGRESSES,
    COURSE_ITEMS,
    ITEM_PROGRESSES,
    GAMIFICATION_TRANSACTIONS,
    SKILLS,
    SKILL_TRANSACTIONS,
    COMPETENCIES,
    COMPETENCY_SKILLS,
    GROUP_MANAGERS,
)
# The indexes of the link collections: every end of every link.
_LINK_FIELDS = (
    (ENROLLMENTS, "user_id"),
    (ENROLLMENTS, "course_id"),
    (MEMBERSHIPS, "user_id"),
    (MEMBERSHIPS, "user_group_id"),
    (GROUP_COURSES, "user_group_id"),
    (GROUP_COURSES, "course_id"),
    (PATH_COURSES, "learning_path_id"),
    (PATH_COURSES, "course_id"),
    (PATH_USERS, "learning_path_id"),
    (PATH_USERS, "user_id"),
    (PATH_GROUPS, "learning_path_id"),
    (PATH_GROUPS, "user_group_id"),
    (OTP_KEYS, "course_id"),
    (CATALOG_GROUPS, "entry_id"),
    (CATALOG_GROUPS, "user_group_id"),
    (TIMESLOTS, "instructor_led_training_id"),
    (REGISTRATIONS, "timeslot_id"),
    (REGISTRATIONS, "user_id"),
    (PROGRESSES, "user_id"),
    (PROGRESSES, "course_id"),
    (COURSE_ITEMS, "course_id"),
    (ITEM_PROGRESSES, "course_progress_id"),
    (GAMIFICATION_TRANSACTIONS, "user_id"),
    (SKILL_TRANSACTIONS, "user_id"),
    (SKILL_TRANSACTIONS, "skill_id"),
    (COMPETENCY_SKILLS, "competency_id"),
    (COMPETENCY_SKILLS, "skill_id"),
    (GROUP_MANAGERS, "user_id"),
    (GROUP_MANAGERS, "user_group_id"),
)
_NEXT_ID = "next_id"
_RESERVED_IDS = "reserved_ids"
ROLE_NAMES = ("learner", "admin", "manager")
USER_FIELDS = ("first_name", "last_name", "role", "title", "cell", "work_phone", "address", "card_no")
DATE_FIELDS = ("access_start_date", "access_end_date", "password_expiration_date")


def named_record(data: VendorData, name: str, fields: Mapping[str, Any]) -> Record:
    """A new group or learning path: a fresh id, its ``name`` (from ``required_name``), a description."""
    return {
        "id": str(new_id(data)),
        "name": name,
        "description": _text(fields.get("description")),
        "created_at": stamp(now(data)),
    }


def name_changes(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The name and description an update of a group or learning path sets (only those given)."""
    changes: dict[str, Any] = {}
    if "name" in fields:
        changes["name"] = required_name(fields)
    if "description" in fields:
        changes["description"] = _text(fields["description"])
    return changes


def required_name(fields: Mapping[str, Any]) -> str:
    """The ``name`` parameter, refused when empty (checked before anything else is looked up)."""
    name = str(fields.get("name") or "").strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    return name


def stamp(moment: datetime) -> str:
    """A time as SkyPrep's doc shows it: ``June 23 2013 12:00:00``."""
    return moment.strftime("%B %d %Y %H:%M:%S")


def now(data: VendorData) -> datetime:
    return datetime.fromtimestamp(data.clock(), UTC)


def declare(data: VendorData) -> None:
    """The indexes SkyPrep's lookups use (an email is unique, case-insensitively)."""
    data.index(USERS, "email", unique=True, key=str.casefold)
    for collection, field in _LINK_FIELDS:
        data.index(collection, field)


def new_id(data: VendorData) -> int:
    """The next integer id (shared by every collection, so an id names one record), skipping the ids a
    scenario fixes for its named records."""
    reserved = set(data.extras.get(_RESERVED_IDS, ()))
    current = int(data.extras.get(_NEXT_ID, 1))
    # A restore brings back records made after the counter it rewinds to: their ids are taken.
    while current in reserved or data.taken(current):
        current += 1
    data.extras[_NEXT_ID] = current + 1
    return current


def reserve_ids(data: VendorData, ids: Iterable[int]) -> None:
    """Keep ``ids`` from ``new_id``: a scenario's named records get them, whatever the seed made before."""
    data.extras[_RESERVED_IDS] = sorted({*data.extras.get(_RESERVED_IDS, ()), *ids})


def rekey(data: VendorData, collection: str, record: Record, rid: int) -> Record:
    """Move a record just made (nothing links to it yet) to the fixed id ``rid``."""
    data.delete(collection, record["id"])
    return data.insert(collection, {**record, "id": _key(rid)})


def _key(rid: int) -> str:
    return str(rid)


def link_id(first: str, second: str) -> str:
    """The key of a link record between two records (a user and a course, a group and a user...)."""
    return f"{first}:{second}"


def drop_links(data: VendorData, collection: str, field: str, rid: str) -> None:
    """Delete every record of ``collection`` whose ``field`` is ``rid`` (the links of a deleted record)."""
    for link in data.find(collection, field, rid):
        data.delete(collection, link["id"])


def drop_progresses(data: VendorData, field: str, rid: str) -> None:
    """Delete the course progresses whose ``field`` (``user_id`` or ``course_id``) is ``rid``, with their
    item records."""
    for progress in data.find(PROGRESSES, field, rid):
        drop_links(data, ITEM_PROGRESSES, "course_progress_id", progress["id"])
        data.delete(PROGRESSES, progress["id"])


def catalog_key(kind: str, rid: str) -> str:
    """The key of the catalog entry of a course (``kind`` "course") or a learning path."""
    return f"{kind}:{rid}"


def catalog_fields(data: VendorData, kind: str, rid: str) -> dict[str, Any]:
    """A course or learning path in the catalog: listed or not, and the groups it is restricted to."""
    key = catalog_key(kind, rid)
    restricted = sorted(int(link["user_group_id"]) for link in data.find(CATALOG_GROUPS, "entry_id", key))
    return {"in_catalog": key in data.collection(CATALOG), "catalog_user_group_ids": restricted}


def drop_catalog_entry(data: VendorData, kind: str, rid: str) -> bool:
    """Take a course or learning path out of the catalog, with its group restrictions; False if not in it."""
    key = catalog_key(kind, rid)
    drop_links(data, CATALOG_GROUPS, "entry_id", key)
    if key not in data.collection(CATALOG):
        return False
    data.delete(CATALOG, key)
    return True


# users


def find_user(data: VendorData, user_id: int | None = None, user_email: str | None = None) -> Record:
    """The user named by ``user_id`` or ``user_email`` (the doc allows either); 400 with neither."""
    if user_id is not None:
        found = data.collection(USERS).get(_key(user_id))
        if found is None:
            raise NotFound(f"No user with user_id {user_id}", field="user_id")
        return found
    if user_email:
        matches = data.find(USERS, "email", user_email)
        if not matches:
            raise NotFound(f"No user with email {user_email}", field="user_email")
        return matches[0]
    raise InvalidInput("Send user_id or user_email to name the user", field="user_id")


def _custom(fields: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in fields.items() if k.startswith("ca_") and k[3:].isdigit()}


_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")


def _address(value: Any) -> str:
    """An email address as the spec's ``format: email`` wants it: someone@somewhere, nothing blank."""
    email = str(value).strip()
    if not email:
        raise InvalidInput("email must not be empty", field="email")
    if not _ADDRESS.fullmatch(email):
        raise InvalidInput(f"email {excerpt(email)} is not an email address", field="email")
    return email


def create_user(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """A new user from create_user's parameters; the email is the username and must be unused."""
    email = _address(fields["email"])
    if data.find(USERS, "email", email):
        # The spec's choice (SkyPrep does not say): a taken email is a 409, a conflict with the users there.
        raise Conflict(f"A user with email {email} already exists", field="email")
    user: Record = {
        "id": _key(new_id(data)),
        "first_name": str(fields.get("first_name") or ""),
        "last_name": str(fields.get("last_name") or ""),
        "username": email,
        "email": email,
        "role": str(fields.get("role") or "learner"),
        **{name: _text(fields.get(name)) for name in USER_FIELDS[3:]},
        **{name: None for name in DATE_FIELDS},
        "created_at": stamp(now(data)),
        "permissions": None,
        "custom_attributes": _custom(fields),
    }
    return data.insert(USERS, user)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def update_user(data: VendorData, user: Record, fields: Mapping[str, Any]) -> Record:
    """update_user: only the parameters given change (the doc: omitted ones are not updated)."""
    changes: dict[str, Any] = {name: _text(fields[name]) for name in USER_FIELDS if name in fields}
    if "role" in changes and changes["role"] not in ROLE_NAMES:
        raise InvalidInput(f"role must be one of {', '.join(ROLE_NAMES)}", field="role")
    for name in ("first_name", "last_name"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    if "email" in fields and str(fields["email"]).strip():
        email = _address(fields["email"])
        taken = [u for u in data.find(USERS, "email", email) if u["id"] != user["id"]]
        if taken:
            raise Conflict(f"A user with email {email} already exists", field="email")
        changes.update(email=email, username=email)
    for name in DATE_FIELDS:
        if name in fields:
            changes[name] = _text(fields[name])
    custom = _custom(fields)
    if custom:
        changes["custom_attributes"] = {**user.get("custom_attributes", {}), **custom}
    return data.update(USERS, user["id"], changes)


def destroy_user(data: VendorData, user: Record) -> None:
    """destroy_user: the user is gone, with its login keys, enrollments, memberships, path enrollments,
    timeslot registrations, course progress, gamification and skill transactions (so its balances) and
    the groups it manages."""
    for key, entry in list(data.collection(LOGIN_KEYS).items()):
        if entry["user_id"] == user["id"]:
            data.delete(LOGIN_KEYS, key)
    drop_links(data, ENROLLMENTS, "user_id", user["id"])
    drop_links(data, MEMBERSHIPS, "user_id", user["id"])
    drop_links(data, PATH_USERS, "user_id", user["id"])
    drop_links(data, REGISTRATIONS, "user_id", user["id"])
    drop_progresses(data, "user_id", user["id"])
    drop_links(data, GAMIFICATION_TRANSACTIONS, "user_id", user["id"])
    drop_links(data, SKILL_TRANSACTIONS, "user_id", user["id"])
    drop_links(data, GROUP_MANAGERS, "user_id", user["id"])
    data.delete(USERS, user["id"])


def list_users(data: VendorData, *, power_only: bool = False) -> list[Record]:
    users = list(data.collection(USERS).values())
    return [u for u in users if u["role"] == "power_user"] if power_only else users


# power users


def id_list(value: Any, name: str) -> list[int]:
    """A comma-separated id list ("84,96, 101") or a list of ids, as integers, each once."""
    items: Iterable[Any] = value if isinstance(value, list) else str(value).split(",")
    found: list[int] = []
    for item in items:
        text = str(item).strip()
        # (ASCII digits only, and no more than Python reads: 4,301 of them stopped ``int``)
        if isinstance(item, bool) or not text.isdecimal() or not is_numeral(text, "integer"):
            raise InvalidInput(f"{name} must list ids separated by commas, e.g. 84,96,101", field=name)
        found.append(int(text))
    if not found:
        raise InvalidInput(f"{name} must list at least one id", field=name)
    return list(dict.fromkeys(found))


def find_record(data: VendorData, collection: str, value: Any, name: str, what: str) -> Record:
    """The record of ``collection`` the parameter ``name`` names; 400 without one, 404 for an unknown id.

    ``what`` is what the record is called in messages ("course", "user group").
    """
    if value is None:
        raise InvalidInput(f"Send {name} to name the {what}", field=name)
    found = data.collection(collection).get(str(value))
    if found is None:
        raise NotFound(f"No {what} with {name} {value}", field=name)
    return found


def require_existing(data: VendorData, collection: str, ids: list[int], name: str) -> None:
    """404 naming every id of ``ids`` that ``collection`` does not hold (before anything changes)."""
    missing = [i for i in ids if _key(i) not in data.collection(collection)]
    if missing:
        raise NotFound(f"Unknown {name}: {', '.join(map(str, missing))}", field=name)


def make_power_users(data: VendorData, fields: Mapping[str, Any]) -> list[Record]:
    """create_or_update_power_users: each user gets the role and datasets (replacing earlier ones)."""
    user_ids = id_list(fields["user_ids"], "user_ids")
    dataset_ids = id_list(fields["dataset_ids"], "dataset_ids")
    role_id = int(fields["user_role_id"])
    require_existing(data, USERS, user_ids, "user_ids")
    require_existing(data, DATASETS, dataset_ids, "dataset_ids")
    require_existing(data, ROLES, [role_id], "user_role_id")
    permissions = {"user_role_id": role_id, "dataset_ids": sorted(set(dataset_ids))}
    return [
        data.update(USERS, _key(uid), {"role": "power_user", "permissions": dict(permissions)})
        for uid in dict.fromkeys(user_ids)
    ]


def remove_power_user(data: VendorData, user: Record) -> None:
    """destroy_power_user: the user stays, as a learner without a role or datasets."""
    if user["role"] != "power_user":
        raise NotFound(f"User {user['id']} is not a power user", field="user_id")
    data.update(USERS, user["id"], {"role": "learner", "permissions": None})


# login keys


def login_key(data: VendorData, fields: Mapping[str, Any], base_url: str) -> dict[str, str]:
    """get_login_key: a sign-in key and URL for a user, who is made first with ``autocreate``."""
    email = str(fields["user_email"]).strip()
    matches = data.find(USERS, "email", email) if email else []
    if matches:
        user = matches[0]
    elif fields.get("autocreate") is True:
        user = create_user(
            data,
            {"email": email, "first_name": fields.get("first_name"), "last_name": fields.get("last_name")},
        )
    else:
        raise NotFound(f"No user with email {email} (send autocreate=true to create one)", field="user_email")
    kind = str(fields.get("key_type") or "daily")
    issued = now(data)
    # A daily key works until the end of the day it was issued (sandbox clock); a one-time key once.
    expires = datetime.combine(issued.date() + timedelta(days=1), datetime.min.time(), UTC)
    key = secrets.token_hex(18)
    data.insert(
        LOGIN_KEYS,
        {"id": key, "user_id": user["id"], "type": kind, "expires": expires.timestamp()},
    )
    url = f"{base_url}/account/login?{urlencode({'email': user['email'], 'login_key': key})}"
    return {"email": str(user["email"]), "login_key": key, "url": url}


def redeem_login_key(data: VendorData, email: str, key: str) -> Record:
    """The user a login key signs in; a one-time key is used up, an expired or unknown one refused."""
    entry = data.collection(LOGIN_KEYS).get(key)
    user = data.collection(USERS).get(entry["user_id"]) if entry else None
    if entry is None or user is None or str(user["email"]).casefold() != email.casefold():
        raise NotFound("This sign-in link is not valid")
    if entry["expires"] <= data.clock():
        raise NotFound("This sign-in link has expired")
    if entry["type"] == "one_time":
        data.delete(LOGIN_KEYS, key)
    return user


def public(record: Record) -> Record:
    """A copy of a record as the API answers it: its id an integer, as SkyPrep's are."""
    answer = clone(record)
    answer["id"] = int(record["id"])
    return answer
