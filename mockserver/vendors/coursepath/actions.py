"""Coursepath's own control-plane actions, at ``/__sandbox__/apis/coursepath/actions/{name}``."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInput
from ..base import VendorContext
from . import invites, model


def outbox(ctx: VendorContext, body: Any) -> dict[str, Any]:
    """``GET``: the invites "sent" since the last reset (recipient, subject, body, activation link)."""
    with ctx.store.locked():
        messages = invites.outbox(ctx.data)
    return {"total": len(messages), "messages": messages}


def complete(ctx: VendorContext, body: Any) -> dict[str, Any]:
    """``POST {courseId, memberId, score, success}``: the learner completes the course (COMPLETED fires)."""
    fields = body if isinstance(body, dict) else {}
    course_id, member_id = fields.get("courseId"), fields.get("memberId")
    score, success = fields.get("score"), fields.get("success")
    for name, value in (("courseId", course_id), ("memberId", member_id)):
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"{name} must be the id of a course member, as a string.", field=name)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
        raise InvalidInput("score must be a number from 0 to 100.", field="score")
    if not isinstance(success, bool):
        raise InvalidInput("success must be true or false.", field="success")
    with ctx.store.locked():
        data = ctx.data
        course = model.get_course(data, str(course_id))
        member = model.get_member(data, str(member_id))
        result = model.get_result(data, course, member)
        return model.public_result(model.complete(data, result, float(score), success, model.now(data)))
