"""Deterministic Absorb data from a scenario and the seed: departments, the named accounts, then users,
courses and enrollments; last, the scenario's named courses and enrollments.

Every date is before the scenario's ``anchor_date``, never relative to today, so the same seed gives
the same bytes on any day.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ...errors import FixtureError, ModelError
from ...store import VendorData
from . import courses, enrollments, lessons, model

DEFAULT_SIZES = {"departments": 4, "users": 24, "courses": 6, "enrollments": 12}
_TEAMS = ("Sales", "Operations", "Finance", "Engineering", "Support", "Marketing", "People")
_TOPICS = ("Safety", "Compliance", "Leadership", "Customer Care", "Data Privacy", "First Aid", "Onboarding")
_LEVELS = ("Basics", "Essentials", "in Practice", "Refresher", "Advanced")


def _named(scenario: Mapping[str, Any], collection: str) -> list[dict[str, Any]]:
    records = (scenario.get("records") or {}).get(collection) or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FixtureError(f"absorb scenario: records.{collection} must be a list of mappings")
    return [dict(r) for r in records]


def _fixed_id(record: Mapping[str, Any]) -> str | None:
    """A named record's ``id``, when the scenario fixes one: a GUID, spelled as Absorb answers it."""
    given = record.get("id")
    if given is None:
        return None
    try:
        return str(uuid.UUID(str(given)))
    except ValueError:
        raise FixtureError(f"absorb scenario: id {given!r} is not a GUID") from None


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``data`` from ``scenario`` (sizes and named records), deterministically from its seed."""
    model.declare(data)
    enrollments.declare(data)
    anchor = datetime.combine(date.fromisoformat(str(scenario.get("anchor_date", "2025-09-01"))), time(), UTC)
    sizes = {**DEFAULT_SIZES, **(scenario.get("sizes") or {})}
    rng, fake = data.random, data.faker

    def before_anchor() -> str:
        return model.stamp(anchor - timedelta(days=rng.randint(1, 900), minutes=rng.randint(0, 1439)))

    # A named record may fix its id, so that documents and tests can name it whatever the seed.
    named = [(str(d["name"]), _fixed_id(d)) for d in _named(scenario, model.DEPARTMENTS)]
    named += [(f"{fake.city()} {rng.choice(_TEAMS)}", None) for _ in range(int(sizes["departments"]))]
    departments = [
        model.create_department(data, name, added=before_anchor(), record_id=rid) for name, rid in named
    ]
    if not departments:
        raise FixtureError("absorb scenario: at least one department is needed (sizes.departments)")

    people = _named(scenario, model.USERS)
    for number in range(len(people) + 1, len(people) + 1 + int(sizes["users"])):
        first, last = fake.first_name(), fake.last_name()
        people.append(
            {
                "firstName": first,
                "lastName": last,
                # The running number keeps usernames unique without Faker's unique proxy.
                "username": f"{first}.{last}{number}".lower(),
                "emailAddress": f"{first}.{last}{number}@example.com".lower(),
                "jobTitle": fake.job() if rng.random() < 0.6 else None,
                "phone": fake.numerify("###-###-####") if rng.random() < 0.5 else None,
                "employeeNumber": f"E{rng.randint(10_000, 99_999)}",
                "dateHired": before_anchor()[:10],
                "customFields": {"string1": fake.color_name(), "decimal1": round(rng.uniform(0, 100), 2)},
            }
        )
    for person in people:
        admin = bool(person.pop("admin", False))
        rid = _fixed_id(person)
        person.pop("id", None)
        person.setdefault("departmentId", departments[rng.randrange(len(departments))]["id"])
        user = model.create_user(data, person, admin=admin, record_id=rid)
        added = before_anchor()
        data.update(model.USERS, user["id"], {"dateAdded": added, "dateEdited": added})

    for number in range(int(sizes["courses"])):
        _course(data, number, before_anchor)
    _enrollments(data, int(sizes["enrollments"]), before_anchor)
    _last_logins(data, anchor)
    _enrollment_details(data)
    # Named courses and enrollments come last, so what they draw shifts nothing the others get.
    for record in _named(scenario, courses.COURSES):
        _named_course(data, record, anchor)
    for record in _named(scenario, enrollments.ENROLLMENTS):
        try:
            _named_enrollment(data, record, anchor)
        except ModelError as exc:
            raise FixtureError(f"absorb scenario: enrollment {record.get('id')}: {exc.message}") from None


def _last_logins(data: VendorData, anchor: datetime) -> None:
    """Most users logged in at some time in the three years before the anchor; one in five never did."""
    rng = data.random
    for user in sorted(data.collection(model.USERS).values(), key=lambda u: u["username"]):
        if rng.random() < 0.2:
            continue
        moment = anchor - timedelta(days=rng.randint(0, 1095), minutes=rng.randint(0, 1439))
        data.update(model.USERS, user["id"], {"lastLoginDate": model.stamp(moment)})


def _enrollment_details(data: VendorData) -> None:
    """The fields a plain enrollment leaves null: an avatar for some learners, an access date for some
    enrollments, a course bundle for others (their ``courseCollectionId``)."""
    rng, fake = data.random, data.faker
    people = sorted(data.collection(model.USERS).values(), key=lambda u: u["username"])
    avatars = {
        user["id"]: f"/Files/Avatars/{user['id']}/{fake.file_name(extension='png')}"
        for user in people
        if rng.random() < 0.4
    }
    for enrollment in sorted(data.collection(enrollments.ENROLLMENTS).values(), key=lambda e: e["id"]):
        changes: dict[str, Any] = {"avatar": avatars.get(enrollment["userId"])}
        if rng.random() < 0.3:
            added = datetime.fromisoformat(enrollment["dateAdded"].replace("Z", "+00:00"))
            changes["accessDate"] = model.stamp(added + timedelta(days=rng.randint(1, 30)))
        if rng.random() < 0.25:
            changes["courseCollectionId"] = model.guid(data)
        data.update(enrollments.ENROLLMENTS, enrollment["id"], changes)


def _enrollments(data: VendorData, count: int, before_anchor: Callable[[], str]) -> None:
    """The learner in the first two courses (by name), then ``count`` enrollments of random users."""
    rng = data.random
    offered = sorted(data.collection(courses.COURSES).values(), key=lambda c: (c["name"], c["id"]))
    people = sorted(data.collection(model.USERS).values(), key=lambda u: u["username"])
    if not offered:
        return
    learner = model.user_by_username(data, "sandbox.learner")
    pairs = [(learner["id"], c["id"]) for c in offered[:2]] if learner is not None else []
    pairs += [(rng.choice(people)["id"], rng.choice(offered)["id"]) for _ in range(count)]
    for user_id, course_id in pairs:
        enrollments.enroll(data, user_id, course_id, added=before_anchor())


def _course(data: VendorData, number: int, before_anchor: Callable[[], str]) -> None:
    """A generated course: every third one instructor-led with two sessions, the others online."""
    rng = data.random
    name = f"{rng.choice(_TOPICS)} {rng.choice(_LEVELS)} {number + 1}"
    if number % 3 == 2:
        sessions = [(f"{name}: session {n}", before_anchor()) for n in (1, 2)]
        courses.create_course(
            data, name, course_type=courses.INSTRUCTOR_LED, sessions=sessions, added=before_anchor()
        )
        return
    chapters = [
        (
            f"Chapter {c}",
            [(f"Lesson {c}.{n}", rng.choice(courses.LESSON_TYPES)) for n in range(1, rng.randint(1, 3) + 1)],
        )
        for c in range(1, rng.randint(1, 3) + 1)
    ]
    courses.create_course(
        data, name, chapters=chapters, description=data.faker.sentence(), added=before_anchor()
    )


def _named_course(data: VendorData, record: Mapping[str, Any], anchor: datetime) -> None:
    """A scenario's course: ``chapters`` (each with ``lessons``) or, instructor-led, ``sessions``."""
    course_type = str(record.get("courseType", courses.ONLINE))
    if course_type not in courses.COURSE_TYPES:
        raise FixtureError(
            f"absorb scenario: courseType {course_type!r}; known: {', '.join(courses.COURSE_TYPES)}"
        )
    chapters = [dict(c) for c in record.get("chapters") or []]
    sessions = [dict(s) for s in record.get("sessions") or []]
    ids = [_fixed_id(record)]
    for chapter in chapters:
        ids += [_fixed_id(chapter), *(_fixed_id(lesson) for lesson in chapter.get("lessons") or [])]
    ids += [_fixed_id(session) for session in sessions]
    for chapter in chapters:
        for lesson in chapter.get("lessons") or []:
            if lesson.get("type", courses.LESSON_TYPES[0]) not in courses.LESSON_TYPES:
                known = ", ".join(courses.LESSON_TYPES)
                raise FixtureError(f"absorb scenario: lesson type {lesson['type']!r}; known: {known}")
    courses.create_course(
        data,
        str(record["name"]),
        chapters=[
            (
                str(chapter["name"]),
                [
                    (str(lesson["name"]), str(lesson.get("type", courses.LESSON_TYPES[0])))
                    for lesson in chapter.get("lessons") or []
                ],
            )
            for chapter in chapters
        ],
        sessions=[(str(s["name"]), str(model.parse_date(s["dateStart"], "dateStart"))) for s in sessions],
        course_type=course_type,
        description=record.get("description"),
        external_id=record.get("externalId"),
        added=model.stamp(anchor - timedelta(days=120)),
        ids=ids,
    )


def _named_enrollment(data: VendorData, record: Mapping[str, Any], anchor: datetime) -> None:
    """A scenario's enrollment, made through the vendor's rules: its lesson enrollments' attempts started
    (and finished, where a ``status`` is given), or its ``session`` enrollment.
    """
    held = [dict(lesson) for lesson in record.get("lessonEnrollments") or []]
    fixed = {str(lesson["lessonId"]).lower(): _fixed_id(lesson) for lesson in held}
    enrolled = anchor - timedelta(days=90)
    with data.clock_held_at(enrolled):
        made, _ = enrollments.enroll(
            data,
            str(record["userId"]),
            str(record["courseId"]),
            record_id=_fixed_id(record),
            lesson_ids={lesson: rid for lesson, rid in fixed.items() if rid is not None},
        )
        session = record.get("session")
        if session:
            enrollments.enroll_in_session(
                data,
                made["userId"],
                made["courseId"],
                str(session["sessionId"]),
                record_id=_fixed_id(session),
            )
    for lesson in held:
        # Every attempt starts before any finishes: one finished makes the lesson complete, not closed.
        started = []
        for number, attempt in enumerate(lesson.get("attempts") or []):
            with data.clock_held_at(enrolled + timedelta(days=30, minutes=number)):
                started.append(
                    enrollments.start_attempt(
                        data,
                        made["userId"],
                        made["courseId"],
                        str(lesson["lessonId"]),
                        record_id=_fixed_id(attempt),
                    )
                )
        for attempt, made_attempt in zip(lesson.get("attempts") or [], started, strict=True):
            if int(attempt.get("status", lessons.IN_PROGRESS)) == lessons.IN_PROGRESS:
                continue
            finish = {k: attempt[k] for k in ("status", "score") if k in attempt}
            with data.clock_held_at(enrolled + timedelta(days=30, hours=1)):
                enrollments.finish_attempt(data, made_attempt, finish)
