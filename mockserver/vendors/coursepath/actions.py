"""Coursepath's own control-plane actions, at ``/__sandbox__/apis/coursepath/actions/{name}``."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInput
from ...store import VendorData
from ..base import VendorContext
from ..locking import with_data
from . import invites, model


def outbox(ctx: VendorContext, body: Any) -> dict[str, Any]:
    """``GET``: the invites "sent" since the last reset (recipient, subject, body, activation link)."""
    messages = with_data(ctx, invites.outbox)()
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
    return with_data(ctx, _complete)(str(course_id), str(member_id), float(score), success)


def _complete(
    data: VendorData, course_id: str, member_id: str, score: float, success: bool
) -> dict[str, Any]:
    course = model.get_course(data, course_id)
    member = model.get_member(data, member_id)
    result = model.get_result(data, course, member)
    return model.public_result(model.complete(data, result, score, success, model.now(data)))
