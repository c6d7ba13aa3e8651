"""SkyPrep's reports as plain functions over the store: a report's rows, from the state as it is now.

A report is a table (columns, rows) that ``report_files`` writes as CSV or XLSX. Its rows come from the
enrollment graph (a user reaches a course directly, through a user group or a learning path) and the
course progresses, through the same functions get_user_courses and get_course_progresses answer from,
so a report agrees with them: the courses of a user are the ones get_user_courses lists, each with the
status of its progress, made not-started the first time anything looks (``progress.sync``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import InvalidInput, NotFound
from ...store import Record, VendorData
from . import progress
from .courses import find_course, reached_course_ids
from .groups import find_group
from .model import COURSE_ITEMS, COURSES, GROUP_COURSES, MEMBERSHIPS, USERS, find_user

# The doc's report types, and what each needs besides report_type.
REPORT_TYPES: dict[str, tuple[str, ...]] = {
    "all_users": (),
    "all_courses": (),
    "single_user": ("user",),
    "single_course": ("course",),
    "single_user_single_course": ("user", "course"),
    "single_user_single_group": ("user", "group"),
    "single_group_all_users": ("group",),
    "single_group_all_courses": ("group",),
    "single_exam": ("exam",),
}
# The doc's get_report sample names a type its list spells the other way round.
ALIASES = {"single_course_single_user": "single_user_single_course"}
# Saved advanced reports may also list every course progress (the doc's sample report).
ADVANCED_TYPES: dict[str, tuple[str, ...]] = {**REPORT_TYPES, "all_course_progresses": ()}
FORMATS = ("csv", "xlsx")
COUNTED = ("not-started", "in-progress", "passed", "failed")
SUMMARY = ("Courses", "Not Started", "In Progress", "Passed", "Failed")
USER_COLUMNS = ("User ID", "Email", "First Name", "Last Name", "Role", "User Status")
COURSE_COLUMNS = ("Course ID", "Course", "Active")
PROGRESS_COLUMNS = (
    "Course Progress ID",
    "User ID",
    "Email",
    "First Name",
    "Last Name",
    "Course ID",
    "Course",
    "Enrolled Via",
    "Status",
    "Percent Viewed",
    "Commencement Date",
    "Completion Date",
)
ITEM_COLUMNS = ("Course Item ID", "Course Item", "Item Type", "Exam ID", "Status", "Score", "Updated At")
EXAM_COLUMNS = ("User ID", "Email", "First Name", "Last Name", "Course ID", "Course", *ITEM_COLUMNS)
# Parameters a report keeps (the ids it names), as a saved or an asynchronous report stores them.
ID_FIELDS = ("user_id", "user_email", "course_id", "user_group_id", "exam_id")


@dataclass(frozen=True, slots=True)
class Report:
    """A report's table: its type, its column titles and its rows (ints, strings, booleans or None)."""

    report_type: str
    columns: tuple[str, ...]
    rows: list[list[Any]]


def report_type(value: Any, types: Mapping[str, tuple[str, ...]] = REPORT_TYPES) -> str:
    """The ``report_type`` parameter (an alias read as its type); 400 when missing or unknown."""
    if value is None or str(value).strip() == "":
        raise InvalidInput("Send report_type to name the report", field="report_type")
    name = ALIASES.get(str(value).strip(), str(value).strip())
    if name not in types:
        raise InvalidInput(f"report_type must be one of {', '.join(types)}", field="report_type")
    return name


def file_format(value: Any) -> str:
    """The ``format`` of a report's file: csv (the default) or xlsx; 400 for anything else."""
    if value is None or str(value).strip() == "":
        return "csv"
    chosen = str(value).strip().lower()
    if chosen not in FORMATS:
        raise InvalidInput(f"format of a report must be csv or xlsx, not {value!r}", field="format")
    return chosen


def id_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ids of a report's parameters, as a saved or an asynchronous report keeps them."""
    return {name: fields[name] for name in ID_FIELDS if fields.get(name) not in (None, "")}


def build(data: VendorData, kind: str, fields: Mapping[str, Any]) -> Report:
    """The report ``kind`` (a checked report type) of the records ``fields`` names, from the state now.

    A missing id gets 400 and an unknown one 404, before anything is read.
    """
    needs = ADVANCED_TYPES[kind]
    user = _needed_user(data, fields) if "user" in needs else None
    course = find_course(data, _needed(fields, "course_id")) if "course" in needs else None
    group = find_group(data, _needed(fields, "user_group_id")) if "group" in needs else None
    exam = _exam_id(_needed(fields, "exam_id")) if "exam" in needs else None
    progress.sync(data)
    graph = _graph(data)
    if kind == "all_users":
        users = _users(data)
        return Report(kind, (*USER_COLUMNS, *SUMMARY), [_user_summary(data, graph, u, None) for u in users])
    if kind == "all_courses":
        rows = [_course_summary(data, graph, c, None) for c in _courses(data)]
        return Report(kind, (*COURSE_COLUMNS, "Enrolled", *SUMMARY[1:]), rows)
    if kind == "all_course_progresses":
        return Report(kind, PROGRESS_COLUMNS, _progress_rows(data, graph))
    if kind == "single_user" and user is not None:
        return Report(kind, PROGRESS_COLUMNS, _progress_rows(data, graph, users={user["id"]}))
    if kind == "single_course" and course is not None:
        return Report(kind, PROGRESS_COLUMNS, _progress_rows(data, graph, courses={course["id"]}))
    if kind == "single_user_single_course" and user is not None and course is not None:
        return Report(kind, ITEM_COLUMNS, _item_rows(data, graph, user, course))
    if kind == "single_user_single_group" and user is not None and group is not None:
        if not _is_member(data, user, group):
            raise NotFound(f"User {user['id']} is not in user group {group['id']}", field="user_group_id")
        held = _group_courses(data, group)
        return Report(kind, PROGRESS_COLUMNS, _progress_rows(data, graph, users={user["id"]}, courses=held))
    if kind == "single_group_all_users" and group is not None:
        held = _group_courses(data, group)
        members = [u for u in _users(data) if _is_member(data, u, group)]
        return Report(kind, (*USER_COLUMNS, *SUMMARY), [_user_summary(data, graph, u, held) for u in members])
    if kind == "single_group_all_courses" and group is not None:
        member_ids = {u["id"] for u in _users(data) if _is_member(data, u, group)}
        held = _group_courses(data, group)
        rows = [_course_summary(data, graph, c, member_ids) for c in _courses(data) if c["id"] in held]
        return Report(kind, (*COURSE_COLUMNS, "Enrolled", *SUMMARY[1:]), rows)
    return Report(kind, EXAM_COLUMNS, _exam_rows(data, graph, exam))


def _needed(fields: Mapping[str, Any], name: str) -> Any:
    value = fields.get(name)
    if value is None or value == "":
        raise InvalidInput(f"This report_type needs {name}", field=name)
    return value


def _needed_user(data: VendorData, fields: Mapping[str, Any]) -> Record:
    if fields.get("user_id") is None and not fields.get("user_email"):
        raise InvalidInput("This report_type needs user_id or user_email", field="user_id")
    return find_user(data, fields.get("user_id"), fields.get("user_email"))


def _users(data: VendorData) -> list[Record]:
    return sorted(data.collection(USERS).values(), key=lambda u: int(u["id"]))


def _courses(data: VendorData) -> list[Record]:
    return sorted(data.collection(COURSES).values(), key=lambda c: int(c["id"]))


def _graph(data: VendorData) -> dict[tuple[str, str], str]:
    """(user id, course id) -> how the user reaches the course, for every user, in id order."""
    return {
        (user["id"], cid): how
        for user in _users(data)
        for cid, how in reached_course_ids(data, user["id"]).items()
    }


def _is_member(data: VendorData, user: Record, group: Record) -> bool:
    return any(m["user_group_id"] == group["id"] for m in data.find(MEMBERSHIPS, "user_id", user["id"]))


def _group_courses(data: VendorData, group: Record) -> set[str]:
    return {link["course_id"] for link in data.find(GROUP_COURSES, "user_group_id", group["id"])}


def _status(data: VendorData, user_id: str, course_id: str) -> str:
    found = progress.progress_of(data, user_id, course_id)
    return str(found["status"]) if found is not None else "not-started"


def _counts(statuses: Iterable[str]) -> list[int]:
    listed = list(statuses)
    return [len(listed), *(listed.count(status) for status in COUNTED)]


def _user_row(data: VendorData, user: Record) -> list[Any]:
    status = progress.user_status(data, user)
    return [int(user["id"]), user["email"], user["first_name"], user["last_name"], user["role"], status]


def _user_summary(
    data: VendorData, graph: Mapping[tuple[str, str], str], user: Record, within: set[str] | None
) -> list[Any]:
    reached = [c for (u, c) in graph if u == user["id"] and (within is None or c in within)]
    return [*_user_row(data, user), *_counts(_status(data, user["id"], c) for c in reached)]


def _course_summary(
    data: VendorData, graph: Mapping[tuple[str, str], str], course: Record, among: set[str] | None
) -> list[Any]:
    reaching = [u for (u, c) in graph if c == course["id"] and (among is None or u in among)]
    head = [int(course["id"]), course["name"], bool(course.get("active", True))]
    return [*head, *_counts(_status(data, u, course["id"]) for u in reaching)]


def _progress_rows(
    data: VendorData,
    graph: Mapping[tuple[str, str], str],
    *,
    users: set[str] | None = None,
    courses: set[str] | None = None,
) -> list[list[Any]]:
    rows = []
    for (uid, cid), how in graph.items():
        if (users is not None and uid not in users) or (courses is not None and cid not in courses):
            continue
        found = progress.progress_of(data, uid, cid)
        if found is None:
            continue
        made = progress.answer(data, found)
        user = data.collection(USERS)[uid]
        rows.append(
            [
                made["id"],
                made["user_id"],
                made["user_email"],
                user["first_name"],
                user["last_name"],
                made["course_id"],
                made["course_name"],
                how,
                made["status"],
                made["percent_viewed"],
                made["commencement_date"],
                made["completion_date"],
            ]
        )
    return rows


def _items(data: VendorData, course_id: str) -> list[Record]:
    return sorted(
        data.find(COURSE_ITEMS, "course_id", course_id), key=lambda i: (i["position"], int(i["id"]))
    )


def _item_row(data: VendorData, found: Record, item: Record) -> list[Any]:
    made = progress.item_answer(data, found, item)
    return [
        int(item["id"]),
        item["name"],
        item["item_type"],
        item["exam_id"],
        made["status"],
        made["score"],
        made["updated_at"],
    ]


def _item_rows(
    data: VendorData, graph: Mapping[tuple[str, str], str], user: Record, course: Record
) -> list[list[Any]]:
    found = progress.progress_of(data, user["id"], course["id"])
    if (user["id"], course["id"]) not in graph or found is None:
        raise NotFound(f"User {user['id']} is not enrolled in course {course['id']}", field="course_id")
    return [_item_row(data, found, item) for item in _items(data, course["id"])]


def _exam_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput("exam_id must be an integer", field="exam_id") from None


def _exam_rows(
    data: VendorData, graph: Mapping[tuple[str, str], str], exam_id: int | None
) -> list[list[Any]]:
    exams = [i for i in data.collection(COURSE_ITEMS).values() if i["exam_id"] == exam_id]
    if not exams:
        raise NotFound(f"No course item with exam_id {exam_id}", field="exam_id")
    rows = []
    for item in sorted(exams, key=lambda i: int(i["id"])):
        for uid, cid in graph:
            found = progress.progress_of(data, uid, cid) if cid == item["course_id"] else None
            if found is None:
                continue
            user, course = data.collection(USERS)[uid], data.collection(COURSES)[cid]
            head = [int(uid), user["email"], user["first_name"], user["last_name"], int(cid), course["name"]]
            rows.append([*head, *_item_row(data, found, item)])
    return rows
