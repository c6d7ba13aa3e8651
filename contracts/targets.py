"""What a contract runs against: the in-process sandbox, or any implementation by base URL.

A target by URL imports neither Connexion nor Faker: the sandbox is imported only by ``sandbox_target``.
Credentials are the vendor's credential scheme applied to one credential: its header fields go with
every request (``headers``), the rest (query, form or JSON fields, a login token, a signed token) are
added per request by ``auth``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from mockserver.vendors import Vendor, get_vendor

from .errors import TargetError
from .throttle import check_rate

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from mockserver import Sandbox
    from mockserver.clock import SandboxClock

# The host in-process requests (and their curl reproductions) are addressed to.
IN_PROCESS_ORIGIN = "http://sandbox"
# A contract run sends far more than a vendor's rate limit allows (DfE: 150 per 5 minutes), so the
# sandbox made for a run does not limit it; a target by URL keeps its own limit (README, Contracts).
UNLIMITED = "1000000 per 1 second"


def _frozen(headers: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(headers))


@dataclass(frozen=True, slots=True)
class Target:
    """An implementation of one API.

    Args:
        api: the registered API it implements.
        base_url: the API's root; each spec's base path is appended to it.
        headers: sent with every request (the credential's header fields, or headers given by hand).
        credential: the credential (field -> value) the vendor's scheme sends, where it sends more
            than headers (a query or body field, a login token, a signed token); ``None`` otherwise.
        app: the ASGI app, for an in-process target; ``None`` for a target reached over HTTP.
        sandbox: the lms-sandbox behind ``app`` when there is one; workflows reset it between examples.
        allow_writes: whether operations other than GET/HEAD/OPTIONS may run.
        rate_limit: the most requests to send (``N/s``, ``N/m``, ``N/h``, ``N/d``), or ``auto`` to only
            wait out 429s; ``None`` sends as fast as the target answers.
    """

    api: str
    base_url: str
    headers: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    credential: Mapping[str, str] | None = None
    app: ASGIApp | None = None
    sandbox: Sandbox | None = None
    allow_writes: bool = True
    rate_limit: str | None = None

    @property
    def vendor(self) -> Vendor:
        return get_vendor(self.api)

    @property
    def clock(self) -> SandboxClock | None:
        """The sandbox's clock (token lifetimes, signed-token windows), when the target is a sandbox."""
        return self.sandbox.clock if self.sandbox is not None else None

    def auth(self) -> httpx.Auth | None:
        """What adds the credential's non-header parts to each request, if it has any."""
        if self.credential is None:
            return None
        return self.vendor.credentials.auth(self.credential, clock=self.clock, base_url=self.base_url)

    @property
    def is_sandbox(self) -> bool:
        """An in-process lms-sandbox made for this run: free to write to and to reset."""
        return self.sandbox is not None and self.app is not None

    def describe(self) -> str:
        where = "the in-process sandbox" if self.is_sandbox else self.base_url
        return f"{self.api} at {where}"

    def client(self, base_path: str = "") -> httpx.Client:
        """An HTTP client for one document of the API, credentials attached; close it when done."""
        url = f"{self.base_url}{base_path}"
        if self.app is not None:
            from mockserver.testing import sync_client

            return sync_client(self.app, base_url=url, headers=dict(self.headers), auth=self.auth())
        return httpx.Client(base_url=url, headers=dict(self.headers), auth=self.auth(), timeout=30.0)

    def bare_client(self) -> httpx.Client:
        """An HTTP client to the target with nothing attached: no credentials, no headers, no base URL."""
        if self.app is not None:
            from mockserver.testing import sync_client

            return sync_client(self.app, base_url=IN_PROCESS_ORIGIN)
        return httpx.Client(timeout=30.0)

    def reset(self, seed: int = 0) -> None:
        """Back to the seeded data, when the target is a sandbox; a no-op for any other target."""
        if self.sandbox is not None:
            self.sandbox.reset(seed)


def sandbox_target(
    api: str,
    *,
    seed: int = 0,
    wrap: Callable[[Sandbox], ASGIApp] | None = None,
    validate_responses: bool = False,
) -> Target:
    """A fresh in-process sandbox serving ``api``, with its first credential.

    Args:
        api: a registered API name.
        seed: seed of the sandbox's data.
        wrap: makes the app to test from the sandbox (e.g. a middleware injecting a fault).
        validate_responses: let the sandbox check its own responses too (a violation is a 500).
    """
    from mockserver import create_app

    vendor = get_vendor(api)
    limits = {api: UNLIMITED} if vendor.rate_limit is not None else {}
    sandbox = create_app(apis=(api,), seed=seed, validate_responses=validate_responses, rate_limits=limits)
    info = sandbox.apis[api]
    credential = info.credentials[0]
    return Target(
        api=api,
        base_url=f"{IN_PROCESS_ORIGIN}{info.prefix}",
        headers=_frozen(info.headers),
        credential=_beyond_headers(vendor, credential),
        app=wrap(sandbox) if wrap is not None else sandbox,
        sandbox=sandbox,
    )


def _beyond_headers(vendor: Vendor, credential: Mapping[str, str]) -> Mapping[str, str] | None:
    """``credential`` when its scheme sends more than headers, else ``None`` (the headers carry it)."""
    return None if vendor.credentials.headers_only else _frozen(credential)


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` -> ``("Name", "value")``."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise TargetError(f"expected a header as 'Name: value', e.g. 'Authorization: my-token'; got {text!r}")
    return name.strip(), value.strip()


def url_target(
    api: str,
    base_url: str,
    *,
    headers: Mapping[str, str] | None = None,
    credential: Mapping[str, str] | str | None = None,
    allow_writes: bool = False,
    rate_limit: str | None = None,
) -> Target:
    """An implementation of ``api`` served at ``base_url`` (its root, e.g. ``http://host/apprentiscope``).

    Credentials go as ``headers`` given by hand, or as a ``credential`` that the vendor's scheme sends
    (``"VALUE"`` or ``"field=value,..."`` as ``serve --credential`` takes them, or a mapping): in query
    or body fields, through a login call, or signed per request. Only read operations run unless
    ``allow_writes`` is true. ``rate_limit`` keeps the run within the target's limit (e.g. ``30/m`` for
    150 requests per 5 minutes), or with ``auto`` waits out 429s.
    """
    vendor = get_vendor(api)
    checked: Mapping[str, str] | None = None
    if credential is not None:
        try:
            scheme = vendor.credentials
            checked = scheme.parse(credential) if isinstance(credential, str) else scheme.check(credential)
        except ValueError as exc:
            raise TargetError(f"{api}: {exc}") from None
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(
            f"expected an http(s) base URL such as http://127.0.0.1:8000/{api}; got {base_url!r}"
        )
    sent = dict(headers or {})
    if checked is not None:
        sent = {**vendor.credentials.headers(checked), **sent}
        checked = _beyond_headers(vendor, checked)
    return Target(
        api=api,
        base_url=base_url.rstrip("/"),
        headers=_frozen(sent),
        credential=checked,
        allow_writes=allow_writes,
        rate_limit=check_rate(rate_limit) if rate_limit is not None else None,
    )
