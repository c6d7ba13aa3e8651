"""Plain helpers shared by the Coursepath tests: the in-process base URL and a fresh token per call."""

from __future__ import annotations

from mockserver.vendors.coursepath import ADMIN_EMAIL, API_KEY, CREDENTIALS

BASE = "http://sandbox/coursepath/api/v1"


def auth(email: str = ADMIN_EMAIL) -> dict[str, str]:
    """A fresh token for ``email``: each is single use."""
    return {"Authorization": f"Bearer {CREDENTIALS.sign({'key': API_KEY, 'email': email})}"}
