"""ApprentiScope's documented behaviour as a state machine, checked against any target.

It never reads a store: it looks up an occupation and employers through the API, creates the
users, partners, grades and hours it needs, and compares every answer with its own model.
Filters are checked both on its own records (by a surname unique to the run) and, read-only, on
whatever the target already holds. Each check on its own records first makes, besides a user that
matches, a near miss per criterion (the same but for the user type, the status, the company or the
surname), so a target that ignores any one criterion answers a user it must not.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, initialize, multiple, precondition, rule

from .base import Workflow, writes_allowed

NAME_VALUES = ("Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis")
NAMES = st.sampled_from(NAME_VALUES)
STATUS_VALUES = ("Active", "Suspended", "Exited", "Completed")
STATUSES = st.sampled_from(STATUS_VALUES)
USER_TYPE_VALUES = ("applicant", "apprentice", "mentor", "supervisor", "admin", "sponsor")
USER_TYPES = st.sampled_from(USER_TYPE_VALUES)
# The path segment of read-users: a user type, or every type.
LISTED_TYPES = st.sampled_from((*USER_TYPE_VALUES, "all"))
PARTNER_TYPES = st.sampled_from(["employer", "sponsor", "education_provider"])
GRADE_TYPES = st.sampled_from([1, 2, 3, 5, 6])
SCORES = st.integers(min_value=0, max_value=100)
HOURS = st.integers(min_value=1, max_value=8)
INDEX = st.integers(min_value=0, max_value=1_000)
USER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "user_type",
    "program_id",
    "company_id",
    "apprentice_status",
)


class ApprentiScopeWorkflow(Workflow):
    """Users, partners, occupations, grades and hours: CRUD read-back, deletes, filters, progress."""

    api = "apprentiscope"

    users = Bundle("users")
    partners = Bundle("partners")
    grades = Bundle("grades")

    def __init__(self) -> None:
        super().__init__()
        self.model_users: dict[str, dict[str, Any]] = {}
        self.model_partners: dict[str, dict[str, Any]] = {}
        self.model_grades: dict[str, dict[str, Any]] = {}
        self.hours: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.gone: set[str] = set()
        # Letters only: a surname no other record has, so filters on it have a known answer.
        self.surname = "Lovelace" + "".join(chr(ord("a") + int(c, 16) % 26) for c in self.nonce)
        # A second run-unique surname, for the near misses of a filter on the first.
        self.other_surname = self.surname + "son"
        self.occupation: dict[str, Any] = {}
        # Two employers when the target has them (or the model may create them): users differ by company.
        self.companies: list[str] = []
        self.original_occupation_title: str | None = None

    # --- lookups -------------------------------------------------------------------------------

    @initialize()
    def look_up_program_and_employer(self) -> None:
        response = self.call("GET", "/read-occupations")
        self.expect_status(response, 200, "readOccupations", "listing occupations")
        with_competencies = [o for o in response.json() if o.get("ojt_competencies")]
        if with_competencies:
            self.occupation = with_competencies[0]
        response = self.call("GET", "/read-partners/employer")
        self.expect_status(response, 200, "readPartners", "listing employers")
        self.companies = [str(e["id"]) for e in response.json()[:2]]
        while len(self.companies) < 2 and self.writes_allowed:
            title = f"Acme {self.surname} {len(self.companies) + 1}"
            created = self.call(
                "POST", "/create-partner", json={"item": {"title": title, "type": "employer"}}
            )
            self.expect_status(created, 201, "createPartner", "creating an employer")
            self.companies.append(str(created.json()["id"]))

    # --- partners ------------------------------------------------------------------------------

    @precondition(writes_allowed)
    @rule(target=partners, title=NAMES, kind=PARTNER_TYPES)
    def create_partner(self, title: str, kind: str) -> str:
        fields = {"title": f"{title} {self.surname} Ltd", "type": kind}
        response = self.call("POST", "/create-partner", json={"item": fields})
        self.expect_status(response, 201, "createPartner", "creating a partner")
        pid = str(response.json()["id"])
        self.model_partners[pid] = fields
        self._partner_reads_back(pid, "createPartner")
        return pid

    def _updated(self, response: httpx.Response, noun: str, rid: str, operation_id: str, what: str) -> bool:
        """The answer to an update of ``rid``: 404 for a record deleted before (False), else 200 (True)."""
        if rid in self.gone:
            self.expect_status(response, 404, operation_id, f"updating a deleted {noun}")
            return False
        self.expect_status(response, 200, operation_id, what)
        return True

    def _deleted(self, method: str, noun: str, rid: str, operation_id: str) -> bool:
        """``/delete-<noun>/<rid>``: 404 for a record deleted before (False); else 200, then it reads 404."""
        response = self.call(method, f"/delete-{noun}/{rid}")
        if rid in self.gone:
            self.expect_status(response, 404, operation_id, f"deleting a deleted {noun}")
            return False
        self.expect_status(response, 200, operation_id, f"deleting a {noun}")
        self.gone.add(rid)
        read = self.call("GET", f"/read-{noun}/{rid}")
        self.expect(read.status_code == 404, operation_id, f"deleted {noun} {rid} is still readable", read)
        return True

    def _unlisted(self, listed: httpx.Response, noun: str, rid: str, operation_id: str) -> None:
        ids = {str(r["id"]) for r in listed.json()}
        self.expect(rid not in ids, operation_id, f"deleted {noun} {rid} is still listed", listed)

    def _reads_back(self, noun: str, rid: str, fields: dict[str, Any], operation_id: str) -> None:
        """``/read-<noun>/<rid>`` answers 200 with ``fields`` as the model holds them."""
        response = self.call("GET", f"/read-{noun}/{rid}")
        self.expect_status(response, 200, operation_id, f"reading back {noun} {rid}")
        got = {k: response.json().get(k) for k in fields}
        self.expect(got == fields, operation_id, f"{noun} {rid} reads back as {got}, not {fields}", response)

    def _partner_reads_back(self, pid: str, operation_id: str) -> None:
        fields = self.model_partners[pid]
        self._reads_back("partner", pid, fields, operation_id)
        listed = self.call("GET", f"/read-partners/{fields['type']}")
        ids = {str(p["id"]) for p in listed.json()}
        self.expect(pid in ids, operation_id, f"partner {pid} is missing from its type's list", listed)

    @precondition(writes_allowed)
    @rule(pid=partners, title=NAMES)
    def update_partner(self, pid: str, title: str) -> None:
        response = self.call("PUT", f"/update-partner/{pid}", json={"item": {"title": title}})
        if not self._updated(response, "partner", pid, "updatePartner", "updating a partner's title"):
            return
        self.expect(
            response.json().get("title") == title, "updatePartner", "the answer lacks the new title", response
        )
        self.model_partners[pid]["title"] = title
        self._partner_reads_back(pid, "updatePartner")

    @precondition(writes_allowed)
    @rule(pid=consumes(partners))
    def delete_partner(self, pid: str) -> None:
        if not self._deleted("DELETE", "partner", pid, "deletePartner"):
            return
        kind = self.model_partners.pop(pid)["type"]
        self._unlisted(self.call("GET", f"/read-partners/{kind}"), "partner", pid, "deletePartner")

    # --- occupations ---------------------------------------------------------------------------

    @precondition(lambda self: self.writes_allowed and bool(self.occupation))
    @rule(title=NAMES)
    def update_occupation(self, title: str) -> None:
        oid = str(self.occupation["id"])
        if self.original_occupation_title is None:
            self.original_occupation_title = str(self.occupation["title"])
        new_title = f"{title} {self.surname} programme"
        response = self.call("PUT", f"/update-occupation/{oid}", json={"item": {"title": new_title}})
        self.expect_status(response, 200, "updateOccupation", "renaming an occupation")
        read = self.call("GET", f"/read-occupation/{oid}")
        self.expect_status(read, 200, "readOccupation", f"reading occupation {oid}")
        body = read.json()
        self.expect(
            body.get("title") == new_title, "updateOccupation", "the new title does not read back", read
        )
        unchanged = {k: body.get(k) for k in ("rapids_code", "ojt_competencies")}
        before = {k: self.occupation.get(k) for k in unchanged}
        self.expect(unchanged == before, "updateOccupation", "fields the update did not name changed", read)

    # --- users ---------------------------------------------------------------------------------

    @precondition(writes_allowed)
    @rule(target=users, first=NAMES, status=STATUSES, kind=USER_TYPES, company=INDEX)
    def create_user(self, first: str, status: str, kind: str, company: int) -> str:
        fields: dict[str, Any] = {"last_name": self.surname, "user_type": kind, "apprentice_status": status}
        if self.companies:
            fields["company_id"] = self.companies[company % len(self.companies)]
        return self._create_user(first, fields)

    def _create_user(self, first: str, given: dict[str, Any]) -> str:
        """Create a user with ``given`` fields (and the run's program), check it reads back, return its id."""
        fields: dict[str, Any] = {
            "first_name": first,
            "email": f"{first.lower()}.{self.unique('u')}@example.com",
            **given,
        }
        if self.occupation:
            fields["program_id"] = str(self.occupation["id"])
        response = self.call("POST", "/create-user", json={"user": fields})
        self.expect_status(response, 201, "createUser", f"creating a user of type {fields['user_type']}")
        uid = str(response.json()["id"])
        self.model_users[uid] = fields
        self._user_reads_back(uid, "createUser")
        return uid

    def _user_reads_back(self, uid: str, operation_id: str) -> None:
        self._reads_back("user", uid, self.model_users[uid], operation_id)

    # One rule per field, so each is updated in most runs, however few their examples.

    @precondition(writes_allowed)
    @rule(uid=users, first=NAMES)
    def rename_user(self, uid: str, first: str) -> None:
        self._update_user(uid, "first_name", first, NAME_VALUES)

    @precondition(writes_allowed)
    @rule(uid=users, status=STATUSES)
    def change_user_status(self, uid: str, status: str) -> None:
        self._update_user(uid, "apprentice_status", status, STATUS_VALUES)

    def _update_user(self, uid: str, field: str, value: str, choices: tuple[str, ...]) -> None:
        if value == self.model_users.get(uid, {}).get(field):
            # A change, so a target that ignores the field answers the old value.
            value = _another(value, choices)
        response = self.call("PUT", f"/update-user/{uid}", json={"item": {field: value}})
        if not self._updated(response, "user", uid, "updateUser", f"updating a user's {field}"):
            return
        self.model_users[uid][field] = value
        answer = {k: response.json().get(k) for k in self.model_users[uid]}
        self.expect(
            answer == self.model_users[uid],
            "updateUser",
            f"after setting {field}={value!r} the answer shows {answer}, expected {self.model_users[uid]}",
            response,
        )
        self._user_reads_back(uid, "updateUser")

    @precondition(writes_allowed)
    @rule(uid=consumes(users))
    def delete_user(self, uid: str) -> None:
        if not self._deleted("DELETE", "user", uid, "deleteUser"):
            return
        surname = self.model_users.pop(uid)["last_name"]
        for gid in [g for g, grade in self.model_grades.items() if grade["uid"] == uid]:
            del self.model_grades[gid]
            self.gone.add(gid)
        listed = self.call("GET", "/read-users/all", params={"last_name": surname})
        self._unlisted(listed, "user", uid, "deleteUser")

    @rule(target=users, kind=LISTED_TYPES, typed=USER_TYPES, status=STATUSES, company=INDEX, first=NAMES)
    def filter_own_users(self, kind: str, typed: str, status: str, company: int, first: str) -> Any:
        """The type and filters return exactly the matching users of ours, none of their near misses.

        Ours are known by their run-unique surnames. With writes allowed, the model first makes a user
        that matches and, per criterion, one that misses only it; read-only, none of ours exist.
        Under ``all``, the type is asked as a filter (``typed``) instead of in the path.
        """
        params = {"last_name": self.surname, "apprentice_status": status}
        if kind == "all":
            params["user_type"] = typed
        if self.companies:
            params["company_id"] = self.companies[company % len(self.companies)]
        made = self._make_match_and_near_misses(kind, params, first) if self.writes_allowed else []
        response = self.call("GET", f"/read-users/{kind}", params=params)
        self.expect_status(response, 200, "readUsers", f"listing {kind} users by {list(params)}")
        got = sorted(str(u["id"]) for u in response.json())
        wanted = sorted(uid for uid, u in self.model_users.items() if _matches(u, kind, params))
        self.expect(
            got == wanted,
            "readUsers",
            f"read-users/{kind} with {params} returned {got}, expected {wanted} "
            f"(near misses: {self._near_misses(kind, params)})",
            response,
        )
        return multiple(*made)

    def _criteria(self, kind: str, params: dict[str, str]) -> dict[str, str]:
        return {**params, "user_type": kind} if kind != "all" else dict(params)

    def _other_value(self, field: str, value: str) -> str:
        """A value of ``field`` other than ``value``, for a near miss (``value`` when there is none)."""
        choices: tuple[str, ...] = {
            "user_type": USER_TYPE_VALUES,
            "apprentice_status": STATUS_VALUES,
            "company_id": tuple(self.companies),
            "last_name": (self.surname, self.other_surname),
        }[field]
        return _another(value, choices)

    def _make_match_and_near_misses(self, kind: str, params: dict[str, str], first: str) -> list[str]:
        """Create what the model lacks of: a user matching every criterion, and one missing only each."""
        criteria = self._criteria(kind, params)
        variants = [criteria]
        for field, value in criteria.items():
            other = self._other_value(field, value)
            if other.casefold() != value.casefold():
                variants.append({**criteria, field: other})
        made = []
        for fields in variants:
            if not any(_has(u, fields) for u in self.model_users.values()):
                # Listed under ``all``, a user may be of any type: an apprentice, then.
                made.append(self._create_user(first, {"user_type": "apprentice", **fields}))
        return made

    def _near_misses(self, kind: str, params: dict[str, str]) -> list[str]:
        """Our users that miss exactly one criterion."""
        criteria = self._criteria(kind, params)
        return [
            uid
            for uid, u in self.model_users.items()
            if sum(not _has(u, {k: v}) for k, v in criteria.items()) == 1
        ]

    @rule(
        pick=INDEX,
        field=st.sampled_from(["email", "apprentice_status", "user_type", "last_name", "company_id"]),
    )
    def filter_existing_users(self, pick: int, field: str) -> None:
        """Read-only: a filter on a value some user has returns exactly the users that have it.

        The users listed without it, that have another value, are the ones it must leave out; a user
        type is checked both as a filter and as read-users' path segment.
        """
        everyone = self.call("GET", "/read-users/all")
        self.expect_status(everyone, 200, "readUsers", "listing every user")
        having = [u for u in everyone.json() if field in u]
        if not having:
            return
        value = str(having[pick % len(having)][field])
        response = self.call("GET", "/read-users/all", params={field: value})
        self.expect_status(response, 200, "readUsers", f"listing users with {field}={value}")
        got = sorted(str(u["id"]) for u in response.json())
        wanted = sorted(str(u["id"]) for u in having if str(u[field]).casefold() == value.casefold())
        self.expect(
            got == wanted, "readUsers", f"filter {field}={value} returned {got}, expected {wanted}", response
        )
        if field == "user_type" and value in USER_TYPE_VALUES:
            response = self.call("GET", f"/read-users/{value}")
            self.expect_status(response, 200, "readUsers", f"listing {value} users")
            got = sorted(str(u["id"]) for u in response.json())
            self.expect(
                got == wanted, "readUsers", f"read-users/{value} returned {got}, expected {wanted}", response
            )

    # --- grades --------------------------------------------------------------------------------

    @precondition(writes_allowed)
    @rule(target=grades, uid=users, score=SCORES, kind=GRADE_TYPES)
    def create_grade(self, uid: str, score: int, kind: int) -> Any:
        body = {"uid": uid, "title": "Unit Exam", "type": kind, "score_received": score}
        response = self.call("POST", "/create-grade", json=body)
        if uid in self.gone:
            self.expect_status(response, 404, "createGrade", "grading a deleted user")
            return multiple()
        self.expect_status(response, 201, "createGrade", "grading a user")
        gid = str(response.json()["id"])
        self.model_grades[gid] = {"uid": uid, "score_received": score, "type": kind}
        self._grades_read_back(uid, "createGrade")
        return gid

    def _grades_read_back(self, uid: str, operation_id: str) -> None:
        response = self.call("GET", f"/read-grades/{uid}")
        self.expect_status(response, 200, "readGrades", f"listing user {uid}'s grades")
        got = {
            str(g["id"]): {"score_received": g.get("score_received"), "type": g.get("type")}
            for g in response.json()
        }
        wanted = {
            gid: {"score_received": g["score_received"], "type": g["type"]}
            for gid, g in self.model_grades.items()
            if g["uid"] == uid
        }
        self.expect(
            got == wanted, operation_id, f"user {uid}'s grades read {got}, expected {wanted}", response
        )

    @precondition(writes_allowed)
    @rule(gid=grades, score=SCORES)
    def update_grade(self, gid: str, score: int) -> None:
        response = self.call("POST", f"/read-grade/{gid}", json={"score_received": score})
        if not self._updated(response, "grade", gid, "updateGrade", "updating a score"):
            return
        self.expect(
            response.json().get("score_received") == str(score),
            "updateGrade",
            "the answer lacks the new score",
            response,
        )
        self.model_grades[gid]["score_received"] = score
        self._grades_read_back(self.model_grades[gid]["uid"], "updateGrade")

    @precondition(writes_allowed)
    @rule(gid=consumes(grades))
    def delete_grade(self, gid: str) -> None:
        if not self._deleted("POST", "grade", gid, "deleteGrade"):
            return
        uid = self.model_grades.pop(gid)["uid"]
        self._grades_read_back(uid, "deleteGrade")

    # --- hours and progress --------------------------------------------------------------------

    @precondition(lambda self: self.writes_allowed and bool(self.occupation))
    @rule(uid=users, pick=INDEX, hours=HOURS)
    def submit_hours(self, uid: str, pick: int, hours: int) -> None:
        competencies = self.occupation["ojt_competencies"]
        competency = str(competencies[pick % len(competencies)]["id"])
        item = {"date_obj": "2024-08-15", "competencies": [{"id": competency, "hours_worked": hours}]}
        response = self.call("POST", f"/submit-hours/{uid}/1", json={"item": item})
        if uid in self.gone:
            self.expect_status(response, 404, "submitHours", "submitting hours for a deleted user")
            return
        self.expect_status(response, 201, "submitHours", "submitting OJT hours")
        self.hours[uid][competency] += hours
        self._progress_reflects_hours(uid)

    def _progress_reflects_hours(self, uid: str) -> None:
        response = self.call("GET", f"/read-progress/{uid}/1")
        self.expect_status(response, 200, "readProgress", f"reading user {uid}'s OJT progress")
        ojt = response.json().get("ojt") or {}
        got = {
            str(i["id"]): i.get("hours_completed") for i in ojt.get("items", []) if i.get("hours_completed")
        }
        wanted = {cid: h for cid, h in self.hours[uid].items() if h}
        self.expect(
            got == wanted, "readProgress", f"progress shows {got} hours, submitted {wanted}", response
        )
        self.expect(
            ojt.get("hours_completed") == sum(wanted.values()),
            "readProgress",
            f"total hours {ojt.get('hours_completed')} != submitted {sum(wanted.values())}",
            response,
        )

    def teardown(self) -> None:
        try:
            if self.original_occupation_title is not None and not self.target.is_sandbox:
                # Leave a shared target's occupation as it was found.
                oid = self.occupation["id"]
                self.call(
                    "PUT",
                    f"/update-occupation/{oid}",
                    json={"item": {"title": self.original_occupation_title}},
                )
        finally:
            super().teardown()


def _has(user: dict[str, Any], fields: dict[str, str]) -> bool:
    """Whether ``user`` has every one of ``fields``, compared as read-users compares (ignoring case)."""
    return all(str(user.get(k, "")).casefold() == v.casefold() for k, v in fields.items())


def _matches(user: dict[str, Any], kind: str, params: dict[str, str]) -> bool:
    """Whether read-users/``kind`` with filters ``params`` lists ``user``."""
    return (kind == "all" or user["user_type"] == kind) and _has(user, params)


def _another(value: str, choices: tuple[str, ...]) -> str:
    """The first of ``choices`` other than ``value`` (ignoring case); ``value`` if there is none."""
    return next((c for c in choices if c.casefold() != value.casefold()), value)
