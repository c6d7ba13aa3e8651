"""The exception root of contracts."""

from __future__ import annotations


class ContractError(Exception):
    """Root of every error raised by contracts (not of contract failures, which are results)."""


class TargetError(ValueError, ContractError):
    """A target that cannot be used: a malformed base URL or header."""
