"""Coursepath handlers: one per operationId, translating HTTP to the model and back.

The edge has verified the JWT; ``identity_of`` names the member the call acts for (its ``email``).
"""

from __future__ import annotations

from typing import Any

import connexion

from ...store import Record
from ..base import BoundHandlers, Handler, VendorContext, identity_of
from ..operation import operation, operations_of
from . import groups, invites, model, programs

PYTHONIC = {"externalId": "external_id"}


def _fields(body: Any) -> dict[str, Any]:
    # A form body arrives as a dict too; an absent one as None.
    return dict(body) if isinstance(body, dict) else {}


class Handlers(BoundHandlers):
    """The handlers of one Coursepath app, bound to its store."""

    def __init__(self, ctx: VendorContext) -> None:
        super().__init__(ctx)
        model.declare(ctx.data)

    # courses
    @operation("listCourses")
    def list_courses(self, offset: int | None = None, limit: int | None = None, **_: Any) -> list[Record]:
        model.check_page(offset, limit)
        return model.page(list(self.data.collection(model.COURSES).values()), offset, limit, "courses")

    @operation("getCourse")
    def get_course(self, course_id: str, **_: Any) -> Record:
        return dict(model.get_course(self.data, course_id))

    @operation("listMemberCourses")
    def list_member_courses(
        self,
        member_id: str,
        offset: int | None = None,
        limit: int | None = None,
        **_: Any,
    ) -> list[Record]:
        model.check_page(offset, limit)
        member = model.get_member(self.data, member_id)
        return model.page(model.courses_of(self.data, member), offset, limit, "memberCourses")

    # members
    @operation("getMe")
    def get_me(self, **_: Any) -> Record:
        identity = identity_of(connexion.request.scope)
        return dict(model.me(self.data, identity.subject if identity else None))

    @operation("getMember")
    def get_member(self, member_id: str, **_: Any) -> Record:
        return dict(model.get_member(self.data, member_id))

    @operation("listMembers")
    def list_members(self, offset: int | None = None, limit: int | None = None, **query: Any) -> list[Record]:
        model.check_page(offset, limit)
        # Connexion hands the query parameters over in snake case (externalId as external_id).
        filters = {name: query.get(PYTHONIC.get(name, name)) for name in model.FILTERS}
        return model.page(model.list_members(self.data, filters), offset, limit, "members")

    @operation("listCourseMembers")
    def list_course_members(
        self,
        course_id: str,
        offset: int | None = None,
        limit: int | None = None,
        **_: Any,
    ) -> list[Record]:
        model.check_page(offset, limit)
        course = model.get_course(self.data, course_id)
        return model.page(model.members_of(self.data, course), offset, limit, "courseMembers")

    @operation("createMember")
    def create_member(self, body: Any = None, **_: Any) -> tuple[Record, int]:
        member, created = model.create_member(self.data, _fields(body))
        return dict(member), 201 if created else 200

    @operation("updateMember")
    def update_member(self, member_id: str, body: Any = None, **_: Any) -> Record:
        member = model.get_member(self.data, member_id)
        return dict(model.update_member(self.data, member, _fields(body)))

    @operation("createCourseMember")
    def create_course_member(self, course_id: str, body: Any = None, **_: Any) -> tuple[Record, int]:
        course = model.get_course(self.data, course_id)
        member, created = model.create_member(self.data, _fields(body))
        model.enroll(self.data, course, member)
        return dict(member), 201 if created else 200

    @operation("createProgramMember")
    def create_program_member(self, program_id: str, body: Any = None, **_: Any) -> tuple[Record, int]:
        program = programs.get_program(self.data, program_id)
        member, created = model.create_member(self.data, _fields(body))
        programs.add(self.data, program, member)
        return dict(member), 201 if created else 200

    # course members
    @operation("getCourseMember")
    def get_course_member(self, course_id: str, member_id: str, **_: Any) -> Record:
        course = model.get_course(self.data, course_id)
        member = model.get_member(self.data, member_id)
        return model.public_result(model.get_result(self.data, course, member))

    @operation("enrollCourseMember")
    def enroll_course_member(self, course_id: str, member_id: str, **_: Any) -> tuple[Record, int]:
        course = model.get_course(self.data, course_id)
        member = model.get_member(self.data, member_id)
        result, created = model.enroll(self.data, course, member)
        return model.public_result(result), 201 if created else 200

    @operation("removeCourseMember")
    def remove_course_member(self, course_id: str, member_id: str, **_: Any) -> tuple[None, int]:
        course = model.get_course(self.data, course_id)
        member = model.get_member(self.data, member_id)
        model.remove(self.data, course, member)
        return None, 204

    # program members
    @operation("addProgramMember")
    def add_program_member(self, program_id: str, member_id: str, **_: Any) -> tuple[Record, int]:
        program = programs.get_program(self.data, program_id)
        member = model.get_member(self.data, member_id)
        added, created = programs.add(self.data, program, member)
        return programs.public(added), 201 if created else 200

    @operation("removeProgramMember")
    def remove_program_member(self, program_id: str, member_id: str, **_: Any) -> tuple[None, int]:
        program = programs.get_program(self.data, program_id)
        member = model.get_member(self.data, member_id)
        programs.remove(self.data, program, member)
        return None, 204

    # groups
    @operation("listGroups")
    def list_groups(self, offset: int | None = None, limit: int | None = None, **_: Any) -> list[Record]:
        model.check_page(offset, limit)
        return model.page(list(self.data.collection(model.GROUPS).values()), offset, limit, "groups")

    @operation("listGroupMembers")
    def list_group_members(
        self, group_id: str, offset: int | None = None, limit: int | None = None, **_: Any
    ) -> list[Record]:
        model.check_page(offset, limit)
        group = groups.get_group(self.data, group_id)
        return model.page(groups.members_of(self.data, group), offset, limit, "groupMembers")

    @operation("listMemberGroups")
    def list_member_groups(
        self, member_id: str, offset: int | None = None, limit: int | None = None, **_: Any
    ) -> list[Record]:
        model.check_page(offset, limit)
        member = model.get_member(self.data, member_id)
        return model.page(groups.groups_of(self.data, member), offset, limit, "memberGroups")

    @operation("addMemberGroup")
    def add_member_group(self, member_id: str, body: Any = None, **_: Any) -> tuple[Record, int]:
        member = model.get_member(self.data, member_id)
        group, added = groups.add(self.data, member, str(_fields(body).get("name", "")))
        return dict(group), 201 if added else 200

    @operation("removeMemberGroups")
    def remove_member_groups(self, member_id: str, name: str | None = None, **_: Any) -> tuple[None, int]:
        member = model.get_member(self.data, member_id)
        groups.remove(self.data, member, name)
        return None, 204

    # invites
    @operation("inviteMember")
    def invite_member(self, member_id: str, body: Any = None, **_: Any) -> Record:
        member = model.get_member(self.data, member_id)
        return dict(invites.invite(self.data, member, _mail(body)))

    @operation("inviteCourseMember")
    def invite_course_member(self, course_id: str, member_id: str, body: Any = None, **_: Any) -> Record:
        course = model.get_course(self.data, course_id)
        member = model.get_member(self.data, member_id)
        return dict(invites.invite(self.data, member, _mail(body), course=course))

    @operation("inviteProgramMember")
    def invite_program_member(self, program_id: str, member_id: str, body: Any = None, **_: Any) -> Record:
        program = programs.get_program(self.data, program_id)
        member = model.get_member(self.data, member_id)
        return dict(invites.invite(self.data, member, _mail(body), program=program))


def _mail(body: Any) -> dict[str, Any]:
    mail = _fields(body).get("mail")
    return dict(mail) if isinstance(mail, dict) else {}


def operations(ctx: VendorContext) -> dict[str, Handler]:
    """The operationId -> handler table of specs/coursepath.yaml."""
    return operations_of(Handlers(ctx))
