"""Coursepath's own control-plane actions, at ``/__sandbox__/apis/coursepath/actions/{name}``."""

from __future__ import annotations

from typing import Any

from ..base import VendorContext
from . import invites


def outbox(ctx: VendorContext, body: Any) -> dict[str, Any]:
    """``GET``: the invites "sent" since the last reset (recipient, subject, body, activation link)."""
    with ctx.store.locked():
        messages = invites.outbox(ctx.data)
    return {"total": len(messages), "messages": messages}
