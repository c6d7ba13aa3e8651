"""What the journal keeps of credentials: nothing. Their values become ``[redacted]``, keys kept.

A value is redacted, in the query string, a JSON or form request body and a JSON or form answer, when
its name (compared in lower case without ``-`` and ``_``) is a secret's: every field and source the
vendor's credential scheme names, every ``apiKey`` name its documents declare, and the usual names of
tokens, keys and passwords (``SECRET_NAMES``). A login operation's answer that is a bare JSON string
(Absorb's token) is redacted whole. The journal keeps no request or response headers at all, so
``Authorization`` and cookies never reach it. It is done once, as an entry is recorded, over the part
of each body the journal keeps, and only where a quick look finds a secret's name in it.
``SandboxOptions.journal_secrets`` (``serve --journal-secrets``) keeps every value, for debugging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .vendors.credentials import CredentialScheme, LoginScheme, SignedScheme

REDACTED = "[redacted]"
SECRET_NAMES = (
    "authorization",
    "cookie",
    "set-cookie",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "session_token",
    "api_token",
    "bearer_token",
    "jwt",
    "api_key",
    "apikey",
    "x-api-key",
    "api_secret",
    "client_secret",
    "secret",
    "secret_key",
    "private_key",
    "password",
    "passwd",
    "new_password",
    "old_password",
    "current_password",
    "confirm_password",
    "password_confirmation",
)
# Parts of every name above: a body holding none of them (or of the vendor's own names) is not parsed.
_HINTS = ("token", "key", "secret", "passw", "auth", "cookie", "jwt")
# A JSON member whose value is a scalar: "name": "text" | number | true | false | null.
_MEMBER = re.compile(r'"((?:[^"\\]|\\.){1,128})"(\s*:\s*)("(?:[^"\\]|\\.)*"|[-+.\w]+)')


def normal(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


# Credential fields that name who logs in: not secrets (a user's name is data the journal should show).
_IDENTITIES = frozenset({"username", "user", "login", "email"})


def scheme_names(scheme: CredentialScheme) -> set[str]:
    """Every name a credential of ``scheme`` travels under: its key fields and their sources, its token's,
    the login body's keys but the user's name. (A signed scheme's key is never sent.)"""
    names = {f.name for f in scheme.fields} | {s.name for f in scheme.fields for s in f.sources}
    if isinstance(scheme, LoginScheme):
        names.add(scheme.token.name)
        names |= {key for key, field in scheme.login_body.items() if field not in _IDENTITIES}
    elif isinstance(scheme, SignedScheme):
        names.add(scheme.token.name)
    return names


def declared_names(schemes: Iterable[Mapping[str, Any]]) -> set[str]:
    """The names of the ``apiKey`` security schemes an API's documents declare."""
    return {str(s["name"]) for s in schemes if s.get("type") == "apiKey" and s.get("name")}


@dataclass(frozen=True, slots=True)
class Redactor:
    """Redacts one API's secrets from what the journal records.

    Args:
        names: the secret names, normalised (``normal``).
        logins: the paths (under the API's prefix, lower case) whose answer is a secret when it is a
            bare JSON string.
    """

    names: frozenset[str]
    logins: frozenset[str] = frozenset()
    hints: tuple[str, ...] = _HINTS

    @classmethod
    def of(
        cls, names: Iterable[str], logins: Iterable[str] = (), generic: Iterable[str] = SECRET_NAMES
    ) -> Redactor:
        every = {normal(n) for n in (*names, *generic)}
        hints = _HINTS + tuple(sorted(n for n in every if not any(h in n for h in _HINTS)))
        return cls(frozenset(every), frozenset(p.lower().rstrip("/") for p in logins), hints)

    def _maybe(self, text: str) -> bool:
        lowered = text.lower().replace("_", "").replace("-", "")
        # An escaped name ("pass\u0077ord") is only found by parsing it.
        return "\\u" in lowered or any(hint in lowered for hint in self.hints)

    def _secret(self, name: str) -> bool:
        return normal(name) in self.names

    def pairs(self, text: str) -> str:
        """A query string or form body with every secret's value redacted."""
        if not text or not self._maybe(text):
            return text
        pairs = parse_qsl(text, keep_blank_values=True)
        if not any(self._secret(k) for k, _ in pairs):
            return text
        return urlencode([(k, REDACTED if self._secret(k) else v) for k, v in pairs], safe="[]")

    def json(self, text: str) -> str:
        """JSON text (whole, or the start the journal kept) with every secret member's value redacted."""
        if not text or not self._maybe(text):
            return text

        def member(found: re.Match[str]) -> str:
            try:
                name = json.loads(f'"{found.group(1)}"')
            except ValueError:
                return found.group(0)
            if not self._secret(name) or found.group(3) == "null":
                return found.group(0)
            return f'"{found.group(1)}"{found.group(2)}"{REDACTED}"'

        return _MEMBER.sub(member, text)

    def body(self, text: str, content_type: str, path: str = "") -> str:
        """A request or response body as the journal keeps it, by its content type."""
        kind = content_type.lower()
        if "json" in kind:
            stripped = text.strip()
            if stripped.startswith('"') and path.lower().rstrip("/") in self.logins:
                return json.dumps(REDACTED)
            return self.json(text)
        if "x-www-form-urlencoded" in kind:
            return self.pairs(text)
        return text


__all__ = ["REDACTED", "SECRET_NAMES", "Redactor", "declared_names", "normal", "scheme_names"]
