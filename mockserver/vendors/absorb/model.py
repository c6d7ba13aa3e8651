"""Absorb's rules as plain functions over the store: users, their custom fields, departments, paging.

Records are stored as the API answers them, plus two private fields (``_password``, ``_admin``) that
``public`` leaves out. Ids are GUIDs drawn from the vendor's seeded generator; times follow the
sandbox clock, written as ``2025-08-31T09:30:00Z``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from ...errors import Forbidden, InvalidInput, NotFound
from ...store import Record, VendorData
from .errors import Unprocessable

USERS = "users"
DEPARTMENTS = "departments"
COLLECTIONS = (USERS, DEPARTMENTS)

MAX_LIMIT = 1000
MAX_OFFSET = 65535
DEFAULT_LIMIT = 20
MAX_UPLOAD = 200

# customFields: string1..30, decimal1..5, date1..5, checkbox1..5 (Absorb's custom user fields).
CUSTOM_KINDS = {"string": 30, "decimal": 5, "date": 5, "checkbox": 5}
CUSTOM_FIELDS = tuple(f"{kind}{n}" for kind, count in CUSTOM_KINDS.items() for n in range(1, count + 1))

# User fields a client may write (create, update, upload), besides customFields and password.
USER_FIELDS = (
    "departmentId",
    "firstName",
    "middleName",
    "lastName",
    "username",
    "emailAddress",
    "ccEmailAddresses",
    "phone",
    "jobTitle",
    "employeeNumber",
    "location",
    "externalId",
    "dateHired",
    "dateTerminated",
    "notes",
    "languageId",
    "gender",
    "supervisorId",
    "isActive",
    "isLearner",
    "isInstructor",
)
REQUIRED_ON_CREATE = ("departmentId", "firstName", "lastName", "username")
DATE_FIELDS = ("dateHired", "dateTerminated")
_PRIVATE = ("_password", "_admin")
# A GUID as the spec's ``format: uuid`` spells it (jsonschema's check: hyphens at 8, 13, 18, 23).
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


# values


def guid(data: VendorData) -> str:
    """A GUID from the vendor's seeded generator (same seed, same ids)."""
    return data.fresh(lambda: str(uuid.UUID(int=data.random.getrandbits(128), version=4)))


def guids(values: Iterable[str], field: str) -> list[str]:
    """``values`` as GUIDs spelled as Absorb answers them; 400 naming the first one that is not a GUID.

    The query's ``format: uuid`` is not checked at the edge (Draft 4 knows no ``uuid`` format), and ASP.NET
    refuses a ``Guid[]`` it cannot bind rather than skipping the value.
    """
    return [checked_guid(value, f"{field}[{index}]") for index, value in enumerate(values)]


def checked_guid(value: Any, field: str) -> str:
    """``value`` as a GUID spelled as Absorb answers it; 400 when it is not one (ASP.NET cannot bind it)."""
    if not isinstance(value, str) or not _GUID.fullmatch(value):
        raise InvalidInput(f"The value {value!r} is not a valid GUID.", field=field)
    return value.lower()


TICKS_PER_SECOND = 10_000_000  # a .NET tick is 100 ns


def time_spent(ticks: int) -> str:
    """``ticks`` as .NET writes a TimeSpan (its ``c`` format): ``[d.]hh:mm:ss[.fffffff]``.

    For example ``01:02:03``, or ``1.02:03:04.5000000`` past a day and with a fraction.
    """
    sign = "-" if ticks < 0 else ""
    seconds, fraction = divmod(abs(ticks), TICKS_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    text = f"{sign}{f'{days}.' if days else ''}{hour:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{fraction:07d}" if fraction else text


def ticks_between(start: str, end: str) -> int:
    """The ticks from stamp ``start`` to stamp ``end`` (never negative)."""
    moments = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (start, end)]
    return max(0, round((moments[1] - moments[0]).total_seconds() * TICKS_PER_SECOND))


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now(data: VendorData) -> str:
    return stamp(datetime.fromtimestamp(data.clock(), UTC))


def parse_date(value: Any, field: str) -> str | None:
    """A date as Absorb takes them (``yyyy-MM-dd`` or ``yyyy-MM-ddTHH:mm:ss[.fff][Z]``), stamped; 422 else."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise Unprocessable(
            f"{text!r} is not a date: use yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss", field=field
        ) from None
    return stamp(moment)


def public(record: Record) -> Record:
    """``record`` as the API answers it: a copy without the private fields."""
    return {
        k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
        for k, v in record.items()
        if k not in _PRIVATE
    }


def declare(data: VendorData) -> None:
    """The indexes Absorb's lookups use: a username is unique, ignoring case."""
    data.index(USERS, "username", unique=True, key=str.casefold)


# departments


def create_department(
    data: VendorData,
    name: str,
    *,
    parent_id: str | None = None,
    external_id: str | None = None,
    added: str | None = None,
    record_id: str | None = None,
) -> Record:
    stamp_ = added or now(data)
    record = {
        "id": record_id or guid(data),
        "name": name,
        "externalId": external_id,
        "parentId": parent_id,
        "dateAdded": stamp_,
        "dateEdited": stamp_,
    }
    return data.insert(DEPARTMENTS, record)


def one_of(found: Iterable[Record], key: str, wanted: str, missing: str, field: str) -> Record:
    """The record of ``found`` whose ``key`` is ``wanted`` (ids are kept lower-case); 404 about ``field``."""
    for record in found:
        if record[key] == wanted.lower():
            return record
    raise NotFound(missing, field=field)


def get_department(data: VendorData, department_id: str) -> Record:
    found = data.collection(DEPARTMENTS).get(department_id)
    if found is None:
        raise NotFound("Department not found.", field="departmentId")
    return found


# users


def get_user(data: VendorData, user_id: str) -> Record:
    found = data.collection(USERS).get(user_id)
    if found is None:
        raise NotFound("User not found.", field="id")
    return found


def user_by_username(data: VendorData, username: str) -> Record | None:
    found = data.find(USERS, "username", username)
    return found[0] if found else None


def is_admin(record: Record) -> bool:
    return bool(record.get("_admin"))


def require_admin(data: VendorData, subject: str | None) -> Record:
    """The caller's user, when an administrator; 403 for a learner's token."""
    caller = data.collection(USERS).get(subject or "")
    if caller is None or not is_admin(caller):
        raise Forbidden(
            "You do not have permission to perform this action: an administrator's token is needed."
        )
    return caller


def _custom(given: Mapping[str, Any] | None, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``current`` custom fields with ``given`` applied (only the names given change)."""
    fields: dict[str, Any] = {name: None for name in CUSTOM_FIELDS}
    fields.update(current or {})
    for name, value in (given or {}).items():
        if name not in fields:
            raise Unprocessable(f"{name!r} is not a custom field", field=f"customFields.{name}")
        if value is not None and name.startswith("date"):
            value = parse_date(value, f"customFields.{name}")
        elif value is not None and name.startswith("decimal"):
            value = float(value)
        fields[name] = value
    return fields


def _checked(data: VendorData, fields: Mapping[str, Any], rid: str | None) -> dict[str, Any]:
    """The writable fields of ``fields``, checked against the store; 422 naming a field at fault."""
    out = {k: fields[k] for k in USER_FIELDS if k in fields}
    for name in DATE_FIELDS:
        if name in out:
            out[name] = parse_date(out[name], name)
    if "departmentId" in out and out["departmentId"] not in data.collection(DEPARTMENTS):
        raise Unprocessable("Department not found.", field="departmentId")
    supervisor = out.get("supervisorId")
    if supervisor is not None and (supervisor == rid or supervisor not in data.collection(USERS)):
        raise Unprocessable("Supervisor not found.", field="supervisorId")
    if "username" in out:
        out["username"] = str(out["username"]).strip()
        taken = user_by_username(data, out["username"])
        if taken is not None and taken["id"] != rid:
            raise Unprocessable(f"The username {out['username']!r} is already taken.", field="username")
    for name in REQUIRED_ON_CREATE:
        if name in out and (out[name] is None or str(out[name]).strip() == ""):
            raise Unprocessable(f"{name} cannot be empty.", field=name)
    return out


def create_user(
    data: VendorData, fields: Mapping[str, Any], *, admin: bool = False, record_id: str | None = None
) -> Record:
    """A new user from a create body; departmentId, firstName, lastName and username are required."""
    lacking = [name for name in REQUIRED_ON_CREATE if fields.get(name) in (None, "")]
    if lacking:
        raise Unprocessable(f"{lacking[0]} is required to create a user.", field=lacking[0])
    checked = _checked(data, fields, None)
    stamp_ = now(data)
    record: Record = {
        "id": record_id or guid(data),
        **{name: None for name in USER_FIELDS},
        "ccEmailAddresses": [],
        "isActive": True,
        "isLearner": True,
        "isInstructor": False,
        **checked,
        "customFields": _custom(fields.get("customFields")),
        # Read-only: set by a successful POST /authenticate (null until the user first logs in).
        "lastLoginDate": None,
        "dateAdded": stamp_,
        "dateEdited": stamp_,
        "_password": fields.get("password"),
        "_admin": admin,
    }
    return data.insert(USERS, record)


def update_user(data: VendorData, user: Record, fields: Mapping[str, Any]) -> Record:
    """``user`` with the fields named in ``fields`` changed, and only those (customFields merged)."""
    checked = _checked(data, fields, user["id"])
    if "customFields" in fields:
        checked["customFields"] = _custom(fields["customFields"], user.get("customFields"))
    if fields.get("password"):
        checked["_password"] = fields["password"]
    checked["dateEdited"] = now(data)
    return data.update(USERS, user["id"], checked)


def upload_users(data: VendorData, users: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Create or update each user by username (all or none): ``[{"key": id, "value": username}]``."""
    if len(users) > MAX_UPLOAD:
        raise Unprocessable(f"At most {MAX_UPLOAD} users can be uploaded at once.", field="users")
    seen: set[str] = set()
    for position, given in enumerate(users):
        name = str(given.get("username") or "").strip()
        if name.casefold() in seen:
            raise Unprocessable(f"The username {name!r} appears twice.", field=f"[{position}].username")
        seen.add(name.casefold())
    checkpoint = data.checkpoint()
    answer = []
    try:
        for position, given in enumerate(users):
            existing = user_by_username(data, str(given.get("username") or "").strip())
            try:
                if existing is None:
                    made = create_user(data, given)
                else:
                    # Matched by username: the stored spelling stays.
                    made = update_user(data, existing, {k: v for k, v in given.items() if k != "username"})
            except Unprocessable as exc:
                raise Unprocessable(exc.message, field=f"[{position}].{exc.field or 'username'}") from None
            answer.append({"key": made["id"], "value": made["username"]})
    except Exception:
        data.rewind(checkpoint)
        raise
    return answer


def authenticate(data: VendorData, username: str, password: str) -> Record | None:
    """The user whose username and password these are, their ``lastLoginDate`` now; or ``None``."""
    user = user_by_username(data, username)
    if user is None or not user.get("_password") or user["_password"] != password:
        return None
    return data.update(USERS, user["id"], {"lastLoginDate": now(data)})


# searching, paging and sorting


def search(records: Iterable[Record], text: str | None, fields: Sequence[str]) -> list[Record]:
    """The records where every word of ``_search`` is part of one of ``fields``, ignoring case."""
    words = (text or "").casefold().split()
    if not words:
        return list(records)

    def found(record: Record) -> bool:
        values = [str(record.get(f) or "").casefold() for f in fields]
        return all(any(word in value for value in values) for word in words)

    return [r for r in records if found(r)]


def edited_since(records: Iterable[Record], since: str | None, field: str = "dateEdited") -> list[Record]:
    """The deprecated ``modifiedSince``: records whose ``field`` is after it (422 for a bad date)."""
    cut = parse_date(since, "modifiedSince")
    if cut is None:
        return list(records)
    return [r for r in records if r.get(field) is not None and str(r[field]) > cut]


def page_params(limit: int | None, offset: int | None) -> tuple[int, int]:
    """``_limit`` and ``_offset`` (a page index) checked: 422 outside 1..1000 and 0..65535."""
    size = DEFAULT_LIMIT if limit is None else limit
    index = 0 if offset is None else offset
    if not 1 <= size <= MAX_LIMIT:
        raise Unprocessable(f"_limit must be between 1 and {MAX_LIMIT}.", field="_limit")
    if not 0 <= index <= MAX_OFFSET:
        raise Unprocessable(f"_offset must be between 0 and {MAX_OFFSET}.", field="_offset")
    return size, index


def _sort_key(value: Any) -> tuple[int, Any]:
    # None sorts first, as SQL Server orders NULLs; text ignores case.
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.casefold())
    if isinstance(value, bool | int | float):
        return (2, value)
    return (3, str(value))


def _by(name: str) -> Callable[[Record], tuple[int, Any]]:
    return lambda record: _sort_key(record.get(name))


def sort_records(
    records: Iterable[Record], sort: str | None, default: str, fields: Iterable[str]
) -> list[Record]:
    """``records`` ordered by ``_sort`` (``name,-date``); 422 for a field the resource cannot sort by."""
    allowed = {f.casefold(): f for f in fields}
    ordered = sorted(records, key=lambda r: str(r["id"]))
    keys = [k.strip() for k in (sort or default).split(",") if k.strip()]
    for key in reversed(keys):
        descending = key.startswith("-")
        name = allowed.get(key.lstrip("-+").casefold())
        if name is None:
            raise Unprocessable(f"{key.lstrip('-+')!r} is not a sortable field.", field="_sort")
        ordered.sort(key=_by(name), reverse=descending)
    return ordered


def page(records: Sequence[Record], key: str, limit: int | None, offset: int | None) -> dict[str, Any]:
    """Absorb's envelope ``{totalItems, returnedItems, limit, offset, <key>}`` for page ``offset``."""
    size, index = page_params(limit, offset)
    chosen = records[index * size : (index + 1) * size]
    return {
        "totalItems": len(records),
        "returnedItems": len(chosen),
        "limit": size,
        "offset": index,
        key: [public(r) for r in chosen],
    }
