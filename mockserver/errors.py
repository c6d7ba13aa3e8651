"""The exception root of mockserver and the vendor-neutral errors raised by vendor models.

Each error also inherits the built-in it resembles, so callers can catch either. Vendor apps
render model errors (``NotFound``, ``Conflict``, ``InvalidInput``, ``Forbidden``) in their own error format.
"""

from __future__ import annotations

from typing import ClassVar

from .excerpt import shorten


class SandboxError(Exception):
    """Root of every error raised by mockserver."""


class UnknownApi(LookupError, SandboxError):
    """An API name that is not in the vendor registry."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown API {name!r}; known: {', '.join(sorted(known))}")
        self.name = name


class UnhandledOperation(LookupError, SandboxError):
    """A spec operationId without a handler, or a handler without an operation."""


class FixtureError(ValueError, SandboxError):
    """A scenario (fixture) file that cannot be loaded."""


class SnapshotError(ValueError, SandboxError):
    """A state snapshot that cannot be restored."""


class UnknownSnapshot(LookupError, SandboxError):
    """A snapshot name that was never saved (or was deleted)."""


class StateFileError(ValueError, SandboxError):
    """A state file that cannot be read or written; the message names the file."""


class SettingError(ValueError, SandboxError):
    """A setting (from the environment or a config file) that cannot be used; the message says which
    (the file and the key, or the variable) and what it takes."""


class ClockOutOfRange(ValueError, SandboxError):
    """A sandbox clock set, frozen or advanced outside the range it supports; the message names it."""


class DuplicateKey(ValueError, SandboxError):
    """A write to the store that would give a second record the id or unique key of another."""


class ModelError(SandboxError):
    """A request that the vendor's rules refuse; carries the HTTP status to answer with."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        # A rule that quotes the value it refuses quotes an excerpt of a long one.
        message = shorten(message)
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ModelError, ValueError):
    """Input that breaks a vendor rule the schema cannot express."""

    status = 400


class NotFound(ModelError, LookupError):
    """A resource, or a resource referred to by the request, that does not exist."""

    status = 404


class Forbidden(ModelError, PermissionError):
    """A request for data the caller's credentials do not give access to."""

    status = 403


class Conflict(ModelError):
    """A request that conflicts with the current state (duplicate, still referenced, ...)."""

    status = 409
