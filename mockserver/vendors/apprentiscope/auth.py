"""ApprentiScope auth: ``Authorization: <token>`` (the documented form) or ``Bearer <token>``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from connexion.security import ApiKeySecurityHandler

MISSING_TOKEN = "Missing API token. Send it as 'Authorization: YOUR_AUTH_TOKEN'."
INVALID_TOKEN = "Invalid API token. Use the token from the API Credentials section of your Profile page."


def bare_token(header_value: str) -> str:
    """The token of an Authorization header value, with an optional ``Bearer`` scheme removed."""
    value = header_value.strip()
    scheme, _, rest = value.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else value


class TokenAuth(ApiKeySecurityHandler):  # type: ignore[misc]
    """Connexion's API-key handler, checking the header against this app's tokens."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._tokens = frozenset(tokens)

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., dict[str, str] | None]:
        return self.check

    def check(self, api_key: str, required_scopes: list[str] | None = None) -> dict[str, str] | None:
        return {"sub": "apprentiscope-api-client"} if bare_token(api_key) in self._tokens else None
