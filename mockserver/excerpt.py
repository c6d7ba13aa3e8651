"""Short excerpts of long values in error messages: an error quotes a few dozen characters, not 5 MiB.

Validation messages quote the offending value (jsonschema: ``'...' is too long``), and so do the
vendors' rules (``user 'x' not found``). A value up to ``LONGEST`` characters is quoted whole, so the
messages of normal requests read as they always did; a longer one is cut to its first ``KEEP``
characters and its length. A message still longer than ``MESSAGE`` (a huge object quoted with no long
string inside) keeps its head and its tail, where Connexion names the field at fault.
"""

from __future__ import annotations

import re

__all__ = ["KEEP", "LONGEST", "MESSAGE", "excerpt", "shorten"]

KEEP = 64
LONGEST = 128
MESSAGE = 2048
# A quoted value as ``repr`` writes it, in single or double quotes, escapes included.
_QUOTED = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'|\"[^\"\\]*(?:\\.[^\"\\]*)*\"")


def excerpt(text: str) -> str:
    """``text`` whole if it has at most ``LONGEST`` characters, else its first ``KEEP`` and its length."""
    if len(text) <= LONGEST:
        return text
    return f"{text[:KEEP]}... ({len(text)} characters)"


def _cut(found: re.Match[str]) -> str:
    quoted = found.group(0)
    if len(quoted) - 2 <= LONGEST:
        return quoted
    quote = quoted[0]
    return f"{quote}{quoted[1 : 1 + KEEP]}...{quote} ({len(quoted) - 2} characters)"


def shorten(message: str) -> str:
    """``message`` with each quoted value longer than ``LONGEST`` characters cut to an excerpt.

    A message of normal size comes back unchanged, character for character.
    """
    if len(message) <= LONGEST:
        return message
    message = _QUOTED.sub(_cut, message)
    if len(message) > MESSAGE:
        message = f"{message[: MESSAGE // 2]} ... ({len(message)} characters) ... {message[-KEEP:]}"
    return message
