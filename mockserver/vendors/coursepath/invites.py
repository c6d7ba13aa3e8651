"""Coursepath's invites, delivered to the sandbox outbox instead of an inbox: plain functions over the store.

An invite (re)sends the invitation email of the academy, a course or a program, with its activation
link; ``mail`` overrides its ``subject``, ``body`` and ``action`` (the button's text). Nothing is ever
sent: each invite is a message in the ``outbox`` collection, which the control plane shows and a
reset empties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import NotFound
from ...store import Record, VendorData
from .model import COURSE_MEMBERS, OUTBOX, PROGRAM_MEMBERS, now

# The academy's host, as the spec's server names it: activation links point there.
ACADEMY_URL = "https://academy123xxx.coursepath.com"
MAIL_FIELDS = ("subject", "body", "action")


def _defaults(member: Record, what: str, name: str | None) -> dict[str, str]:
    if name is None:
        return {
            "subject": "You are invited to join the academy",
            "body": f"Hi {member['name']}, you are invited to join the academy: start learning right away.",
            "action": "Join the academy",
        }
    return {
        "subject": f"You are invited to the {what} {name}",
        "body": f"Hi {member['name']}, you are invited to the {what} {name}: start learning right away.",
        "action": f"Start the {what}",
    }


def invite(
    data: VendorData,
    member: Record,
    mail: Mapping[str, Any] | None,
    *,
    course: Record | None = None,
    program: Record | None = None,
) -> Record:
    """The invitation to ``member`` (to the academy, or a course or program she is in), in the outbox."""
    target = course or program
    if course is not None and f"{course['id']}:{member['id']}" not in data.collection(COURSE_MEMBERS):
        raise NotFound(f"Member {member['id']} is not in course {course['id']}.", field="memberId")
    if program is not None and f"{program['id']}:{member['id']}" not in data.collection(PROGRAM_MEMBERS):
        raise NotFound(f"Member {member['id']} is not in program {program['id']}.", field="memberId")
    what = "course" if course is not None else "program"
    texts = _defaults(member, what, str(target["name"]) if target is not None else None)
    texts |= {k: str(v) for k, v in (mail or {}).items() if k in MAIL_FIELDS and v is not None}
    token = data.new_id(None, 32)
    link = f"{ACADEMY_URL}/activate?token={token}"
    if course is not None:
        link += f"&next=/courses/{course['id']}"
    elif program is not None:
        link += f"&next=/programs/{program['id']}"
    message = {
        "id": data.new_id(OUTBOX, 12),
        "to": member["email"],
        "memberId": member["id"],
        "courseId": course["id"] if course is not None else None,
        "programId": program["id"] if program is not None else None,
        **texts,
        "link": link,
        "sent": now(data),
    }
    return data.insert(OUTBOX, message)


def outbox(data: VendorData) -> list[Record]:
    """Every invite sent since the last reset, oldest first."""
    return [dict(m) for m in data.collection(OUTBOX).values()]
