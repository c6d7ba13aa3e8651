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
# Parts of every name above: only a member or pair whose name holds one (or a vendor's own name that
# holds none of them) is looked at, so a body without any is passed over in one scan.
_HINTS = ("token", "key", "secret", "passw", "auth", "cookie", "jwt")
# What follows a member's name: the colon, then a scalar value (text, number, true, false, null).
_VALUE = re.compile(r'(\s*:\s*)("(?:[^"\\]|\\.)*"|[-+.\w]+)')


def _occurrences(text: str, part: str) -> list[int]:
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


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


class Redactor:
    """Redacts one API's secrets from what the journal records.

    Args:
        names: the secret names, normalised (``normal``).
        logins: the paths (under the API's prefix, lower case) whose answer is a secret when it is a
            bare JSON string.
        hints: parts of names: only a member or pair whose name holds one is looked at.
    """

    def __init__(
        self, names: Iterable[str], logins: Iterable[str] = (), hints: tuple[str, ...] = _HINTS
    ) -> None:
        self.names = frozenset(names)
        self.logins = frozenset(logins)
        self.hints = hints

    @classmethod
    def of(
        cls, names: Iterable[str], logins: Iterable[str] = (), generic: Iterable[str] = SECRET_NAMES
    ) -> Redactor:
        """A redactor of ``names`` and the ``generic`` ones, in any case and spelling (``normal``)."""
        given = [*names, *generic]
        lowered = {n.lower() for n in given}
        hints = _HINTS + tuple(sorted(n for n in lowered if not any(h in n for h in _HINTS)))
        every = frozenset(normal(n) for n in given)
        return cls(every, frozenset(p.lower().rstrip("/") for p in logins), hints)

    def _maybe(self, text: str) -> bool:
        lowered = text.lower()
        return any(hint in lowered for hint in self.hints)

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
        """JSON text (whole, or the start the journal kept) with every secret member's value redacted.

        Only the places where a hint occurs are looked at (``str.find``, fast on a body without any):
        the quoted name around it, when a ``:`` and a scalar value follow, is checked by name.
        """
        lowered = text.lower()
        if len(lowered) != len(text):  # a character whose lower case is longer: compare as written
            lowered = text
        starts = sorted({i for hint in self.hints for i in _occurrences(lowered, hint)})
        if not starts:
            return text
        out: list[str] = []
        last = 0
        for at in starts:
            opening, closing = text.rfind('"', 0, at), text.find('"', at)
            if opening < last or closing < 0:
                continue
            value = _VALUE.match(text, closing + 1)
            name = text[opening + 1 : closing]
            if value is None or "\\" in name or not self._secret(name) or value.group(2) == "null":
                continue
            out += [text[last : value.start(2)], f'"{REDACTED}"']
            last = value.end(2)
        return "".join([*out, text[last:]])

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
