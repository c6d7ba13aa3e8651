"""ApprentiScope auth: ``Authorization: <token>`` (the documented form) or ``Bearer <token>``."""

from __future__ import annotations

MISSING_TOKEN = "Missing API token. Send it as 'Authorization: YOUR_AUTH_TOKEN'."
INVALID_TOKEN = "Invalid API token. Use the token from the API Credentials section of your Profile page."


def bare_token(header_value: str) -> str:
    """The token of an Authorization header value, with an optional ``Bearer`` scheme removed."""
    value = header_value.strip()
    scheme, _, rest = value.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else value
