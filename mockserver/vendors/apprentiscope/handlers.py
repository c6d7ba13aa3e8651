"""ApprentiScope handlers: one per operationId, translating HTTP to model calls and back."""

from __future__ import annotations

from typing import Any

import connexion

from ...errors import Conflict
from ...store import Record, clone
from ..base import BoundHandlers, Handler, VendorContext
from ..operation import operation, operations_of
from . import model

Reply = tuple[Any, int]


def _copy(record: Record) -> Record:
    # Serialisation happens after the lock is released, so hand Connexion a copy.
    return clone(record)


def _score_text(value: int | float) -> str:
    return str(value)


def grade_with_text_scores(grade: Record) -> Record:
    """read-grade's shape: the doc shows ``score_possible``/``score_received`` as strings there."""
    shaped = _copy(grade)
    for name in ("score_possible", "score_received"):
        shaped[name] = _score_text(shaped[name])
    return shaped


def _deleted(rid: str) -> dict[str, Any]:
    return {"id": rid, "deleted": True}


class Handlers(BoundHandlers):
    """The handlers of one ApprentiScope app, bound to its store."""

    # users
    @operation("createUser")
    def create_user(self, body: dict[str, Any]) -> Reply:
        user = model.create_user(self.data, body["user"])
        return {"id": user["id"]}, 201

    @operation("createInvitation")
    def create_invitation(self, body: dict[str, Any]) -> Reply:
        invitation = model.create_invitation(self.data, body["item"])
        return {"id": invitation["id"]}, 201

    @operation("readUsers")
    def read_users(self, user_type: str, filters: Any = None) -> Reply:
        # Filters are any user field in the query string; read them raw, not as one parameter.
        query: dict[str, list[str]] = {}
        for key, value in connexion.request.query_params.multi_items():
            if key != "filters":
                query.setdefault(key, []).append(value)
        users = [_copy(u) for u in model.list_users(self.data, user_type, query)]
        return users, 200

    @operation("readUser")
    def read_user(self, id_: str) -> Reply:
        return _copy(model.get_user(self.data, id_)), 200

    @operation("updateUser")
    def update_user(self, id_: str, body: dict[str, Any]) -> Reply:
        return _copy(model.update_user(self.data, id_, body["item"])), 200

    @operation("deleteUser")
    def delete_user(self, id_: str) -> Reply:
        model.delete_user(self.data, id_)
        return _deleted(id_), 200

    @operation("readProgress")
    def read_progress(self, id_: str, type_: str) -> Reply:
        return model.progress(self.data, id_, type_), 200

    # partners
    @operation("createPartner")
    def create_partner(self, body: dict[str, Any]) -> Reply:
        partner = model.create_partner(self.data, body["item"])
        return {"id": partner["id"]}, 201

    @operation("readPartners")
    def read_partners(self, type_: str) -> Reply:
        return [_copy(p) for p in model.list_partners(self.data, type_)], 200

    @operation("readPartner")
    def read_partner(self, id_: str) -> Reply:
        return _copy(model.get_partner(self.data, id_)), 200

    @operation("updatePartner")
    def update_partner(self, id_: str, body: dict[str, Any]) -> Reply:
        return _copy(model.update_partner(self.data, id_, body["item"])), 200

    @operation("deletePartner")
    def delete_partner(self, id_: str) -> Reply:
        model.delete_partner(self.data, id_)
        return _deleted(id_), 200

    # occupations
    @operation("readOccupations")
    def read_occupations(self) -> Reply:
        return [_copy(o) for o in model.list_occupations(self.data)], 200

    @operation("readOccupation")
    def read_occupation(self, id_: str) -> Reply:
        return _copy(model.get_occupation(self.data, id_)), 200

    @operation("updateOccupation")
    def update_occupation(self, id_: str, body: dict[str, Any]) -> Reply:
        return _copy(model.update_occupation(self.data, id_, body["item"])), 200

    @operation("deleteOccupation")
    def delete_occupation(self, id_: str) -> Reply:
        model.delete_occupation(self.data, id_)
        return _deleted(id_), 200

    # program: hours, files, grades
    @operation("readSubmissions")
    def read_submissions(
        self, type_: int, start_date: str | None = None, end_date: str | None = None
    ) -> Reply:
        found = model.list_submissions(self.data, type_, start_date, end_date)
        return [_copy(s) for s in found], 200

    @operation("submitHours")
    def submit_hours(self, id_: str, type_: int, body: dict[str, Any]) -> Reply:
        submission = model.submit_hours(self.data, id_, type_, body["item"])
        return {"id": submission["id"]}, 201

    @operation("createFile")
    def create_file(self, body: dict[str, Any]) -> Reply:
        record = model.create_file(self.data, body)
        return {"id": record["id"], "uid": record["uid"]}, 201

    @operation("createFileForUser")
    def create_file_for_user(self, uid: str, body: dict[str, Any]) -> Reply:
        named = body.get("uid", uid)
        if named != uid:
            raise Conflict(f"uid '{named}' in the body does not match user '{uid}' in the path", field="uid")
        record = model.create_file(self.data, {**body, "uid": uid})
        return {"id": record["id"], "uid": uid}, 201

    @operation("createGrade")
    def create_grade(self, body: dict[str, Any]) -> Reply:
        grade = model.create_grade(self.data, body)
        return {"id": grade["id"]}, 201

    @operation("readGrades")
    def read_grades(self, id_: str) -> Reply:
        return [_copy(g) for g in model.list_grades(self.data, id_)], 200

    @operation("readGrade")
    def read_grade(self, id_: str) -> Reply:
        return grade_with_text_scores(model.get_grade(self.data, id_)), 200

    @operation("updateGrade")
    def update_grade(self, id_: str, body: dict[str, Any]) -> Reply:
        return grade_with_text_scores(model.update_grade(self.data, id_, body)), 200

    @operation("deleteGrade")
    def delete_grade(self, id_: str) -> Reply:
        model.delete_grade(self.data, id_)
        return _deleted(id_), 200


def operations(ctx: VendorContext) -> dict[str, Handler]:
    """The explicit operationId -> handler table of specs/apprentiscope.yaml."""
    return operations_of(Handlers(ctx))
