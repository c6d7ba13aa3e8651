"""Sandbox options: one frozen dataclass; parsing of CLI and environment happens at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

KIB = 1024
# How hard each write to the state file is pushed to disk (``SandboxOptions.state_sync``).
STATE_SYNC_MODES = ("normal", "always")
# The HTTP servers ``serve`` runs on: Granian (its HTTP I/O in Rust threads, beside the Python thread
# that runs the app: both cores at work) by default, uvicorn (all in one Python thread) on demand.
SERVERS = ("granian", "uvicorn")
SERVER_ENV = "LMS_SANDBOX_SERVER"
DEFAULT_SERVER = "granian"
MIB = 1024 * KIB

# A credential as the command line gives it (``VALUE`` or ``field=value,...``) or as field -> value.
CredentialValue = str | Mapping[str, str]


def _frozen_credentials() -> Mapping[str, tuple[CredentialValue, ...]]:
    return MappingProxyType({})


def _frozen_rate_limits() -> Mapping[str, str]:
    return MappingProxyType({})


def _frozen_webhooks() -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """Everything that shapes one sandbox app.

    Args:
        seed: seed for all generated data; the same seed gives byte-identical data.
        apis: names of the APIs to serve; empty means every API in the registry.
        root: serve the single selected API at ``/`` instead of its prefix.
        validate_responses: validate every response against the spec (a violation is a 500).
        fixtures: scenario files to load instead of the defaults; each names its API.
        credentials: per API, the accepted credentials, replacing the vendor's defaults: each the
            value of a one-field scheme, ``field=value,...``, or a mapping of field -> value.
        journal_size: how many requests the journal keeps.
        journal_secrets: keep credentials' values in the journal (tokens, keys, passwords in query
            strings and bodies); by default they are recorded as ``[redacted]`` (``mockserver.redaction``).
        rate_limits: per API with a rate limit, a ``limits`` string replacing its default,
            e.g. ``{"dfe": "150 per 5 minutes"}``.
        webhooks: per API that sends webhooks, the URLs its events go to from the start
            (more can be registered through the control plane).
        control_token: the token every control-plane request but ``GET /__sandbox__/health`` must
            carry (``Authorization: Bearer <token>`` or ``X-Sandbox-Token``); None: no token needed.
            ``serve`` generates one when it binds a non-loopback address and none is given.
        forwarded_allow_ips: the peers (addresses, networks such as ``10.0.0.0/8``, or ``*``) whose
            ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed; from any other peer they are
            ignored, so per-client rate limits count the real peer. Empty: no proxy is trusted.
        allow_webhook_hosts: hosts (names or addresses) webhooks may go to although they are
            link-local or cloud metadata hosts, which are refused otherwise.
        state_file: an SQLite file holding every API's state and the named snapshots: read on start
            if it exists (a JSON state file of an earlier version is migrated), and written before
            every answer that changed something, so an acknowledged write survives a killed process.
        state_sync: ``"normal"`` (a write survives the process being killed) or ``"always"`` (an
            fsync per write: it survives a power loss too).
        faults: faults in force from the start and re-armed by every reset: each the compact form of
            ``serve --fault`` (``"apprentiscope:readUser=status:503,times:2"``) or its JSON form
            (``{"api": "apprentiscope", "operation": "readUser", "status": 503, "times": 2}``).
        max_body_size: the largest request body an API takes, in bytes; a larger one gets 413 in the
            API's error body, without being read past the limit.
        max_import_size: the same for the control plane's state imports (``/__sandbox__/state``,
            ``/__sandbox__/snapshots``), larger because whole APIs are imported at once.
        max_query_size: the longest query string, in bytes (414 beyond it).
        max_path_size: the longest request path, in bytes as sent (percent-encoded; 414 beyond it).
        max_header_size: the largest single request header, name and value, in bytes (431 beyond it).
        max_headers_size: the largest total of all request headers, in bytes (431 beyond it).
        session_ttl: seconds a session (``X-Sandbox-Session``, ``mockserver.sessions``) may stay
            unused before it expires with its state.
        session_limit: how many sessions may live at once; a request opening one more gets a 503.
        open_sessions: let any request open a new session although the control plane needs a token
            (by default a request that opens one must carry the token, as a control-plane call does).
    """

    seed: int = 0
    apis: tuple[str, ...] = ()
    root: bool = False
    validate_responses: bool = False
    fixtures: tuple[Path, ...] = ()
    credentials: Mapping[str, tuple[CredentialValue, ...]] = field(default_factory=_frozen_credentials)
    journal_size: int = 1000
    journal_secrets: bool = False
    rate_limits: Mapping[str, str] = field(default_factory=_frozen_rate_limits)
    webhooks: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen_webhooks)
    allow_webhook_hosts: tuple[str, ...] = ()
    forwarded_allow_ips: tuple[str, ...] = ()
    # Not in the repr: options get printed and logged, the token must not be.
    control_token: str | None = field(default=None, repr=False)
    state_file: Path | None = None
    state_sync: str = "normal"
    faults: tuple[str | Mapping[str, Any], ...] = ()
    max_body_size: int = 1 * MIB
    max_import_size: int = 256 * MIB
    max_query_size: int = 16 * KIB
    max_path_size: int = 8 * KIB
    max_header_size: int = 8 * KIB
    max_headers_size: int = 32 * KIB
    session_ttl: float = 1800.0
    session_limit: int = 1000
    open_sessions: bool = False

    def __post_init__(self) -> None:
        if self.root and len(self.apis) != 1:
            raise ValueError("root=True needs exactly one API in apis, e.g. apis=('apprentiscope',)")
        if self.state_sync not in STATE_SYNC_MODES:
            raise ValueError(
                f"state_sync must be one of {', '.join(STATE_SYNC_MODES)}, got {self.state_sync!r}"
            )
        if self.control_token is not None and not self.control_token.strip():
            raise ValueError("control_token must not be empty; None means no token is needed")
        if self.journal_size < 1:
            raise ValueError("journal_size must be at least 1")
        if not self.session_ttl > 0:
            raise ValueError(f"session_ttl must be a positive number of seconds, got {self.session_ttl}")
        if self.session_limit < 0:
            raise ValueError(f"session_limit must be 0 (no sessions) or more, got {self.session_limit}")
        for name in (
            "max_body_size",
            "max_import_size",
            "max_query_size",
            "max_path_size",
            "max_header_size",
            "max_headers_size",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 byte, got {getattr(self, name)}")
        object.__setattr__(self, "faults", tuple(self.faults))
        object.__setattr__(self, "allow_webhook_hosts", tuple(self.allow_webhook_hosts))
        object.__setattr__(self, "forwarded_allow_ips", tuple(self.forwarded_allow_ips))
        object.__setattr__(self, "credentials", MappingProxyType(dict(self.credentials)))
        object.__setattr__(self, "rate_limits", MappingProxyType(dict(self.rate_limits)))
        object.__setattr__(
            self, "webhooks", MappingProxyType({k: tuple(v) for k, v in self.webhooks.items()})
        )
