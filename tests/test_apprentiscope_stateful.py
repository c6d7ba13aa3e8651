"""A Hypothesis state machine walking the user and grade lifecycles against the in-process app."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, multiple, rule

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client

from .conftest import AUTH

NAMES = st.sampled_from(["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis"])
USER_TYPES = st.sampled_from(["applicant", "apprentice", "mentor", "supervisor", "admin", "sponsor"])
SCORES = st.integers(min_value=0, max_value=100)


@cache
def _app() -> Sandbox:
    return create_app(apis=("apprentiscope",), validate_responses=True)


class UserAndGradeLifecycle(RuleBasedStateMachine):
    users = Bundle("users")
    grades = Bundle("grades")

    def __init__(self) -> None:
        super().__init__()
        self.app = _app()
        self.app.reset(0)
        self.api = sync_client(self.app, base_url="http://s/apprentiscope", headers=AUTH)
        self.model_users: dict[str, dict[str, Any]] = {}
        self.model_grades: dict[str, dict[str, Any]] = {}
        self.gone_users: set[str] = set()
        self.gone_grades: set[str] = set()
        self.emails = itertools.count()

    def teardown(self) -> None:
        self.api.close()
        assert self.app.errors == []

    @rule(target=users, first=NAMES, last=NAMES, user_type=USER_TYPES)
    def create_user(self, first: str, last: str, user_type: str) -> str:
        fields = {
            "first_name": first,
            "last_name": last,
            "user_type": user_type,
            "email": f"{first}.{last}.{next(self.emails)}@example.com".lower(),
        }
        response = self.api.post("/create-user", json={"user": fields})
        assert response.status_code == 201, response.text
        uid = str(response.json()["id"])
        self.model_users[uid] = fields
        return uid

    @rule(uid=users, first=NAMES)
    def update_user(self, uid: str, first: str) -> None:
        response = self.api.put(f"/update-user/{uid}", json={"item": {"first_name": first}})
        if uid in self.gone_users:
            assert response.status_code == 404
            return
        assert response.status_code == 200, response.text
        self.model_users[uid]["first_name"] = first

    @rule(uid=consumes(users))
    def delete_user(self, uid: str) -> None:
        response = self.api.delete(f"/delete-user/{uid}")
        if uid in self.gone_users:
            assert response.status_code == 404
            return
        assert response.status_code == 200
        self.gone_users.add(uid)
        del self.model_users[uid]
        for gid in [g for g, grade in self.model_grades.items() if grade["uid"] == uid]:
            del self.model_grades[gid]
            self.gone_grades.add(gid)

    @rule(target=grades, uid=users, score=SCORES, grade_type=st.sampled_from([1, 2, 3, 5, 6]))
    def create_grade(self, uid: str, score: int, grade_type: int) -> Any:
        body = {"uid": uid, "title": "Unit Exam", "type": grade_type, "score_received": score}
        response = self.api.post("/create-grade", json=body)
        if uid in self.gone_users:
            assert response.status_code == 404
            return multiple()
        assert response.status_code == 201, response.text
        gid = str(response.json()["id"])
        self.model_grades[gid] = {"uid": uid, "score_received": score, "type": grade_type}
        return gid

    @rule(gid=grades, score=SCORES)
    def update_grade(self, gid: str, score: int) -> None:
        response = self.api.post(f"/read-grade/{gid}", json={"score_received": score})
        if gid in self.gone_grades:
            assert response.status_code == 404
            return
        assert response.status_code == 200
        assert response.json()["score_received"] == str(score)
        self.model_grades[gid]["score_received"] = score

    @rule(gid=consumes(grades))
    def delete_grade(self, gid: str) -> None:
        response = self.api.post(f"/delete-grade/{gid}")
        if gid in self.gone_grades:
            assert response.status_code == 404
            return
        assert response.status_code == 200
        self.gone_grades.add(gid)
        del self.model_grades[gid]

    @invariant()
    def users_read_back_as_modelled(self) -> None:
        listed = {u["id"]: u for u in self.api.get("/read-users/all").json()}
        for uid, fields in self.model_users.items():
            assert {k: listed[uid][k] for k in fields} == fields
        assert not (self.gone_users & set(listed))
        for uid in self.gone_users:
            assert self.api.get(f"/read-user/{uid}").status_code == 404

    @invariant()
    def grades_read_back_as_modelled(self) -> None:
        for uid in self.model_users:
            listed = {g["id"]: g for g in self.api.get(f"/read-grades/{uid}").json()}
            mine = {gid: g for gid, g in self.model_grades.items() if g["uid"] == uid}
            assert set(listed) == set(mine)
            for gid, grade in mine.items():
                assert listed[gid]["score_received"] == grade["score_received"]
                assert listed[gid]["type"] == grade["type"]
        for gid in self.gone_grades:
            assert self.api.get(f"/read-grade/{gid}").status_code == 404


TestUserAndGradeLifecycle = UserAndGradeLifecycle.TestCase
