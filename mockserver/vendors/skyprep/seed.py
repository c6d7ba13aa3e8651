"""Deterministic SkyPrep data from a scenario and the seed: roles, datasets, users, then courses, user
groups and the enrollments between them, then learning paths and the catalog, then instructor-led
trainings with their timeslots and registrations, then course items and progress, then skills,
competencies, gamification and skill transactions, and managers' permissions in user groups, then the
account's program, materials, payments and saved advanced reports (``account_seed``), and last the
records only destructive examples name (``disposable_seed``).

Every date is before the scenario's ``anchor_date``, never relative to today, so the same seed gives
the same bytes on any day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ...errors import FixtureError
from ...store import VendorData
from . import (
    account_seed,
    catalog,
    courses,
    disposable_seed,
    groups,
    managers,
    model,
    paths,
    progress,
    rewards,
    trainings,
)

DEFAULT_SIZES = {
    "learners": 18,
    "managers": 3,
    "admins": 2,
    "courses": 8,
    "user_groups": 3,
    "learning_paths": 2,
    "instructor_led_trainings": 2,
    "skills": 3,
    "competencies": 1,
    "gamification_transactions": 8,
    "skill_transactions": 10,
    **account_seed.DEFAULT_SIZES,
}
_TOPICS = ("Safety", "Compliance", "Onboarding", "Leadership", "Customer Care", "Data Privacy", "Ethics")
_SKILLS = ("Negotiation", "Public Speaking", "SQL", "Time Management", "First Aid", "Conflict Resolution")
# The collections whose named records may give an ``id``.
_FIXED_ID = (
    model.USERS,
    model.COURSES,
    model.USER_GROUPS,
    model.LEARNING_PATHS,
    model.TRAININGS,
    model.SKILLS,
    model.COMPETENCIES,
)
_ROLE_OF_SIZE = {"learners": "learner", "managers": "manager", "admins": "admin"}


def _named(scenario: Mapping[str, Any], collection: str) -> list[dict[str, Any]]:
    records = (scenario.get("records") or {}).get(collection) or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FixtureError(f"skyprep scenario: records.{collection} must be a list of mappings")
    return [dict(r) for r in records]


def _named_then_made(
    scenario: Mapping[str, Any], collection: str, sizes: Mapping[str, Any], size: str
) -> list[dict[str, Any]]:
    """The named records of ``collection``, then an empty entry for each of ``sizes[size]`` to make."""
    return [*_named(scenario, collection), *({} for _ in range(int(sizes.get(size, 0))))]


def _fixed(
    data: VendorData, collection: str, entry: Mapping[str, Any], made: dict[str, Any]
) -> dict[str, Any]:
    """``made`` at the id its named record fixes (``id``), else as made."""
    return made if "id" not in entry else model.rekey(data, collection, made, int(entry["id"]))


def seed(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """Fill ``data`` from ``scenario`` (sizes and named records), deterministically from its seed."""
    model.declare(data)
    # Named records may fix their ids (examples and tests name them at any seed): keep those from new_id.
    model.reserve_ids(
        data,
        (
            int(entry["id"])
            for collection in _FIXED_ID
            for entry in _named(scenario, collection)
            if "id" in entry
        ),
    )
    model.reserve_ids(data, disposable_seed.fixed_ids(scenario))
    anchor = date.fromisoformat(str(scenario.get("anchor_date", "2025-09-01")))
    sizes = {**DEFAULT_SIZES, **(scenario.get("sizes") or {})}
    for collection in (model.ROLES, model.DATASETS):
        for entry in _named(scenario, collection):
            data.insert(collection, {"id": str(int(entry["id"])), "name": str(entry["name"])})
    fake = data.faker
    people: list[dict[str, Any]] = _named(scenario, model.USERS)
    for size, role in _ROLE_OF_SIZE.items():
        for _ in range(int(sizes.get(size, 0))):
            first, last = fake.first_name(), fake.last_name()
            number = len(people) + 1
            people.append(
                {
                    "first_name": first,
                    "last_name": last,
                    # The running number keeps emails unique without Faker's unique proxy (which
                    # would remember values across reseeds).
                    "email": f"{first}.{last}{number}@example.com".lower(),
                    "role": role,
                    "title": fake.job() if data.random.random() < 0.5 else None,
                    "work_phone": fake.numerify("###-###-####") if data.random.random() < 0.5 else None,
                    "card_no": f"Emp. # {1_000_000 + data.random.randint(0, 8_999_999)}",
                }
            )
    midnight = datetime.combine(anchor, time(), UTC)

    def before_anchor() -> str:
        moment = midnight - timedelta(days=data.random.randint(1, 900), minutes=data.random.randint(0, 1439))
        return model.stamp(moment)

    for person in people:
        user = _fixed(
            data,
            model.USERS,
            person,
            model.create_user(data, {**person, "role": person.get("role") or "learner"}),
        )
        data.update(model.USERS, user["id"], {"created_at": before_anchor()})
    _seed_courses(data, scenario, sizes, before_anchor)
    _seed_paths(data, scenario, sizes, before_anchor)
    _seed_trainings(data, scenario, sizes, midnight)
    _seed_progress(data, midnight)
    _seed_rewards(data, scenario, sizes, midnight)
    _seed_managers(data, scenario)
    account_seed.seed(data, scenario, sizes, midnight)
    # Last, so that the records above keep their ids and links whatever the disposable ones are.
    disposable_seed.seed(data, scenario, midnight - timedelta(days=1))


def _seed_courses(
    data: VendorData, scenario: Mapping[str, Any], sizes: Mapping[str, Any], stamp: Callable[[], str]
) -> None:
    """Courses and user groups (named ones first), then groups' courses and members, then enrollments."""
    made_courses = []
    named_courses = _named(scenario, model.COURSES)
    generated = int(sizes.get("courses", 0))
    for index, entry in enumerate([*named_courses, *({} for _ in range(generated))]):
        if not entry:
            topic = _TOPICS[index % len(_TOPICS)]
            entry = {
                "name": f"{topic} {data.faker.word().title()} {index + 1}",
                "description": data.faker.sentence(),
            }
        course = _fixed(data, model.COURSES, entry, courses.create_course(data, entry))
        made_courses.append(data.update(model.COURSES, course["id"], {"created_at": stamp()}))
    made_groups = []
    for entry in _named_then_made(scenario, model.USER_GROUPS, sizes, "user_groups"):
        fields = entry or {"name": f"{data.faker.city()} Team"}
        group = groups.create_group(data, {"name": fields["name"], "description": fields.get("description")})
        group = _fixed(data, model.USER_GROUPS, fields, group)
        made_groups.append(data.update(model.USER_GROUPS, group["id"], {"created_at": stamp()}))
    learners = list(data.collection(model.USERS).values())
    if not made_courses:
        return
    for group in made_groups:
        for course in data.random.sample(made_courses, k=min(2, len(made_courses))):
            groups.add_course(data, group, course)
        for user in data.random.sample(learners, k=min(4, len(learners))):
            groups.add_member(data, group, user)
    for user in learners:
        for course in data.random.sample(made_courses, k=data.random.randint(0, min(3, len(made_courses)))):
            link = courses.enroll(data, user, course, status=data.random.choice(courses.STATUSES))
            data.update(model.ENROLLMENTS, link["id"], {"enrolled_at": stamp()})


def _seed_paths(
    data: VendorData, scenario: Mapping[str, Any], sizes: Mapping[str, Any], stamp: Callable[[], str]
) -> None:
    """Learning paths (named ones first), each with courses, users and a group; the first path and
    course in the catalog."""
    made_courses = list(data.collection(model.COURSES).values())
    made_groups = list(data.collection(model.USER_GROUPS).values())
    users = list(data.collection(model.USERS).values())
    made = []
    for index, entry in enumerate(_named_then_made(scenario, model.LEARNING_PATHS, sizes, "learning_paths")):
        fields = entry or {"name": f"{_TOPICS[index % len(_TOPICS)]} Path {index + 1}"}
        path = paths.create_path(data, {"name": fields["name"], "description": fields.get("description")})
        path = _fixed(data, model.LEARNING_PATHS, fields, path)
        made.append(data.update(model.LEARNING_PATHS, path["id"], {"created_at": stamp()}))
    if not made_courses:
        return
    for path in made:
        for course in data.random.sample(made_courses, k=min(3, len(made_courses))):
            paths.add_course(data, path, course)
        for user in data.random.sample(users, k=min(3, len(users))):
            paths.enroll_user(data, path, user)
        if made_groups:
            paths.add_group(data, path, data.random.choice(made_groups))
    listed = {"course_ids": [int(made_courses[0]["id"])]}
    if made:
        listed["learning_path_ids"] = [int(made[0]["id"])]
    catalog.add_to_catalog(data, listed)


def _seed_trainings(
    data: VendorData, scenario: Mapping[str, Any], sizes: Mapping[str, Any], anchor: datetime
) -> None:
    """Instructor-led trainings (named ones first), each with two timeslots before the anchor date, and
    a few users registered in each."""
    users = list(data.collection(model.USERS).values())
    wanted = _named_then_made(scenario, model.TRAININGS, sizes, "instructor_led_trainings")
    for index, entry in enumerate(wanted):
        fields = entry or {"name": f"{_TOPICS[index % len(_TOPICS)]} Workshop {index + 1}"}
        made = trainings.create_training(
            data, {"name": fields["name"], "description": fields.get("description")}
        )
        made = _fixed(data, model.TRAININGS, fields, made)
        made = data.update(
            model.TRAININGS, made["id"], {"created_at": trainings.iso(anchor - timedelta(days=200))}
        )
        for _ in range(2):
            start = anchor - timedelta(days=data.random.randint(1, 180), hours=-9)
            slot = trainings.create_timeslot(
                data,
                {
                    "instructor_led_training_id": int(made["id"]),
                    "description": f"{fields['name']} session",
                    "location": data.faker.city(),
                    "instructor": data.faker.name(),
                    "capacity": 10,
                    "start_date": trainings.iso(start),
                    "end_date": trainings.iso(start + timedelta(hours=8)),
                },
            )
            data.update(
                model.TIMESLOTS, slot["id"], {"created_at": trainings.iso(start - timedelta(days=30))}
            )
            for user in data.random.sample(users, k=min(3, len(users))):
                status = data.random.choice(trainings.REGISTRATION_STATUSES)
                link = trainings.register(data, slot, user, {"status": status})
                data.update(
                    model.REGISTRATIONS, link["id"], {"created_at": trainings.iso(start - timedelta(days=7))}
                )


def _seed_progress(data: VendorData, anchor: datetime) -> None:
    """Three items per course (two contents and an exam); a progress for every user who reaches a course,
    dated before the anchor; the first item set for the progresses past not-started."""
    for course in list(data.collection(model.COURSES).values()):
        for kind in ("content", "content", "exam"):
            progress.create_item(data, course, {"item_type": kind})
    progress.sync(data)
    for found in list(data.collection(model.PROGRESSES).values()):
        moment = anchor - timedelta(days=data.random.randint(1, 600), minutes=data.random.randint(0, 1439))
        progress.backdate(data, found, moment)
        if found["status"] != "not-started":
            first = data.find(model.COURSE_ITEMS, "course_id", found["course_id"])[0]
            status = "complete" if found["status"] == "in-progress" else found["status"]
            progress.set_item(data, found, first, {"set_status": status})
            data.update(model.PROGRESSES, found["id"], {"updated_at": trainings.iso(moment)})
            key = model.link_id(found["id"], first["id"])
            data.update(model.ITEM_PROGRESSES, key, {"updated_at": trainings.iso(moment)})


def _user_named(data: VendorData, entry: Mapping[str, Any], what: str) -> dict[str, Any]:
    """The user a named record names by email (``user``), or a FixtureError saying which record."""
    found = data.find(model.USERS, "email", str(entry.get("user") or ""))
    if not found:
        raise FixtureError(f"skyprep scenario: records.{what}: no user with email {entry.get('user')!r}")
    return found[0]


def _by_name(data: VendorData, collection: str, name: Any, what: str) -> dict[str, Any]:
    """The record of ``collection`` whose display name (or name) is ``name``."""
    for record in data.collection(collection).values():
        if name in (record.get("display_name"), record.get("name")):
            return record
    raise FixtureError(f"skyprep scenario: records.{what}: nothing named {name!r}")


def _seed_rewards(
    data: VendorData, scenario: Mapping[str, Any], sizes: Mapping[str, Any], anchor: datetime
) -> None:
    """Skills and competencies (named ones first), then transactions (named ones first), one every few
    days in id order, the last before the anchor date; generated amounts are positive."""
    for index, entry in enumerate(_named_then_made(scenario, model.SKILLS, sizes, "skills")):
        fields = entry or {
            "display_name": f"{_SKILLS[index % len(_SKILLS)]} {index + 1}",
            "description": data.faker.sentence(),
        }
        _fixed(data, model.SKILLS, fields, rewards.create_skill(data, fields))
    skills = rewards.list_skills(data)
    for entry in _named(scenario, model.COMPETENCIES):
        asks = entry.get("skills") or {}
        if not isinstance(asks, dict):
            raise FixtureError(
                "skyprep scenario: records.competencies: skills must map skill names to points"
            )
        points = {
            _by_name(data, model.SKILLS, name, "competencies")["id"]: int(needed)
            for name, needed in asks.items()
        }
        rewards.create_competency(data, entry, points, int(entry["id"]) if "id" in entry else None)
    for index in range(int(sizes.get("competencies", 0)) if skills else 0):
        asked = data.random.sample(skills, k=min(2, len(skills)))
        rewards.create_competency(
            data,
            {
                "display_name": f"{asked[0]['display_name']} Expert {index + 1}",
                "description": data.faker.sentence(),
            },
            {skill["id"]: 100 * data.random.randint(1, 5) for skill in asked},
        )
    users = list(data.collection(model.USERS).values())
    made: list[tuple[str, dict[str, Any]]] = []
    for entry in _named(scenario, model.GAMIFICATION_TRANSACTIONS):
        user = _user_named(data, entry, "gamification_transactions")
        made.append(
            (model.GAMIFICATION_TRANSACTIONS, rewards.create_gamification_transaction(data, user, entry))
        )
    for entry in _named(scenario, model.SKILL_TRANSACTIONS):
        user = _user_named(data, entry, "skill_transactions")
        skill = _by_name(data, model.SKILLS, entry.get("skill"), "skill_transactions")
        fields = {"skill_id": skill["id"], "amount": entry.get("amount")}
        made.append((model.SKILL_TRANSACTIONS, rewards.create_skill_transaction(data, user, fields)))
    if users:
        for _ in range(int(sizes.get("gamification_transactions", 0))):
            fields = {
                "amount": 10 * data.random.randint(1, 50),
                "description": data.faker.sentence(nb_words=4),
            }
            user = data.random.choice(users)
            made.append(
                (model.GAMIFICATION_TRANSACTIONS, rewards.create_gamification_transaction(data, user, fields))
            )
    if users and skills:
        for _ in range(int(sizes.get("skill_transactions", 0))):
            fields = {"skill_id": data.random.choice(skills)["id"], "amount": 50 * data.random.randint(1, 10)}
            user = data.random.choice(users)
            made.append((model.SKILL_TRANSACTIONS, rewards.create_skill_transaction(data, user, fields)))
    moment = anchor - timedelta(days=3 * len(made) + 1, hours=-10)
    for collection, transaction in made:
        moment += timedelta(days=data.random.randint(1, 3))
        data.update(
            collection,
            transaction["id"],
            {"created_at": model.stamp(min(moment, anchor - timedelta(hours=1)))},
        )


def _seed_managers(data: VendorData, scenario: Mapping[str, Any]) -> None:
    """The named managers' permissions in user groups (named by ``user`` email and ``user_group`` name)."""
    for entry in _named(scenario, model.GROUP_MANAGERS):
        user = _user_named(data, entry, "user_group_managers")
        group = _by_name(data, model.USER_GROUPS, entry.get("user_group"), "user_group_managers")
        managers.assign(data, user, group, {k: v for k, v in entry.items() if k in managers.PERMISSIONS})
