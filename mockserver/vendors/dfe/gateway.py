"""The Azure API Management gateway in front of the DfE APIs, as integrators meet it first.

Order, as APIM applies its policies: subscription key (401 missing / 401 invalid), rate limit per
key (429 with ``Retry-After``), ``X-Version`` (404 missing / unknown), then the backend (Connexion:
validation, handler). APIM also tells the backend whose subscription called, in the request header
``x-request-context-subscription-name`` (vendor notes 2.1); the gateway sets it here, overwriting
anything a client sent. The served ``openapi.json`` documents and Swagger UIs are not gated.

DfE issues a key per API; the sandbox accepts its keys on both APIs, so one key's requests to both
count in the same window.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from ...store import Store
from ..base import spec_parameters
from . import problems

KEY_HEADER = "Ocp-Apim-Subscription-Key"
VERSION_HEADER = "X-Version"
SUBSCRIPTION_NAME_HEADER = "x-request-context-subscription-name"
IS_SANDBOX_HEADER = "x-request-context-subscription-is-sandbox"
DEFAULT_RATE_LIMIT = "150 per 5 minutes"
SUBSCRIPTIONS = "subscriptions"
# Namespace of the External-<guid> names given to configured keys that have no subscription record.
_EXTERNAL_NAMESPACE = uuid.UUID("6f1c2a4e-3b7d-4d8e-9a51-0c2e7f6b9d13")
_APIM_HEADERS = {SUBSCRIPTION_NAME_HEADER.encode(), IS_SANDBOX_HEADER.encode()}

Clock = Callable[[], float]


class _ClockedMemoryStorage(MemoryStorage):
    """limits' in-memory fixed-window counters, reading the time from ``clock``.

    ``MemoryStorage`` reads ``time.time()`` itself; a clock a test can move makes window resets
    deterministic, with no sleeping.
    """

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        # The parent's background expiry reads the real time and would drop windows a moved clock
        # still holds; expiry happens in ``get`` instead (a few keys, so nothing piles up).
        self.timer.cancel()
        self._clock = clock

    def get(self, key: str) -> int:
        with self.locks[key]:
            if self.expirations.get(key, 0) <= self._clock():
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
            return int(self.storage.get(key, 0))

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with self.locks[key]:
            self.get(key)
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = self._clock() + expiry
            return int(self.storage[key])

    def get_expiry(self, key: str) -> float:
        return float(self.expirations.get(key, self._clock()))


class RateLimiter:
    """A fixed-window limit per subscription key (``limits``' fixed-window strategy)."""

    def __init__(self, limit: str = DEFAULT_RATE_LIMIT, clock: Clock = time.time) -> None:
        self.item: RateLimitItem = parse_rate_limit(limit)
        self._clock = clock
        self._storage = _ClockedMemoryStorage(clock)
        self._limiter = FixedWindowRateLimiter(self._storage)

    def hit(self, key: str) -> int | None:
        """Count one request of ``key``: ``None`` if allowed, else the seconds until the window resets."""
        if self._limiter.hit(self.item, key):
            return None
        reset_at = self._limiter.get_window_stats(self.item, key).reset_time
        return max(1, math.ceil(reset_at - self._clock()))

    def reset(self) -> None:
        """Forget every window (the control plane's reset calls this)."""
        self._storage.reset()


def parse_rate_limit(text: str) -> RateLimitItem:
    """A ``limits`` rate-limit string ("150 per 5 minutes", "150/5minutes"); ValueError if malformed."""
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(
            f"invalid rate limit {text!r}; write e.g. '150 per 5 minutes' or '150/5minutes'"
        ) from exc


def subscription_name(store: Store, api: str, key: str) -> str:
    """The name APIM gives the subscription of ``key``: ``Employer-<hashed id>-Sandbox`` and so on.

    A key's identity is its record in the ``subscriptions`` collection (id = the key): its ``name``,
    else one made from its ``type`` and account or UKPRN; a configured key without a record is an
    External subscription.
    """
    with store.locked():
        record = dict(store.vendor(api).collection(SUBSCRIPTIONS).get(key) or {})
    if isinstance(record.get("name"), str) and record["name"]:
        return str(record["name"])
    kind = record.get("type")
    if kind == "Employer" and record.get("accountPublicHashedId"):
        return f"Employer-{record['accountPublicHashedId']}-Sandbox"
    if kind == "Provider" and record.get("ukprn"):
        return f"Provider-{record['ukprn']}-Sandbox"
    return f"External-{uuid.uuid5(_EXTERNAL_NAMESPACE, key)}-Sandbox"


@dataclass(frozen=True, slots=True)
class GatedApi:
    """One API behind the gateway: where it is served (under the prefix) and its versions."""

    base_path: str
    versions: tuple[str, ...]


def versions_of(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``X-Version`` values a spec declares (the enum of its header parameter), in order."""
    found: list[str] = []
    for param in spec_parameters(spec):
        if param.get("in") == "header" and str(param.get("name", "")).lower() == VERSION_HEADER.lower():
            found += [str(v) for v in param.get("schema", {}).get("enum", []) if str(v) not in found]
    if not found:
        raise ValueError(f"spec {spec.get('info', {}).get('title')!r} declares no X-Version enum")
    return tuple(found)


class ApimGateway:
    """ASGI middleware playing APIM for the apps behind it.

    Args:
        app: the backend (the vendor's Connexion app).
        keys: the subscription keys accepted.
        apis: the APIs served, each at its base path under the prefix.
        limiter: the per-key rate limit.
        name_of: the subscription name of a (valid) key.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: Iterable[str],
        apis: Sequence[GatedApi],
        limiter: RateLimiter,
        name_of: Callable[[str], str],
    ) -> None:
        self.app = app
        self.keys = frozenset(keys)
        # Longest base path first, so "/vacancies/..." is not taken for the API at "".
        self.apis = sorted(apis, key=lambda api: len(api.base_path), reverse=True)
        self.limiter = limiter
        self.name_of = name_of

    def _api_for(self, path: str) -> GatedApi | None:
        for api in self.apis:
            base = api.base_path
            documents = (f"{base}/openapi.json", f"{base}/openapi.yaml", f"{base}/ui")
            if path in documents or path.startswith(f"{base}/ui/"):
                return None
            if not base or path == base or path.startswith(f"{base}/"):
                return api
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"][len(scope.get("root_path", "")) :] or "/"
        api = self._api_for(path)
        if api is None:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get(KEY_HEADER.lower(), "").strip()
        if not key:
            await _reply(send, 401, problems.MISSING_KEY)
            return
        if key not in self.keys:
            await _reply(send, 401, problems.INVALID_KEY)
            return
        retry_after = self.limiter.hit(key)
        if retry_after is not None:
            message = problems.rate_limited(retry_after)
            await _reply(send, 429, message, {"Retry-After": str(retry_after)})
            return
        version = headers.get(VERSION_HEADER.lower())
        if version is None or not version.strip():
            await _reply(send, 404, problems.missing_version(api.versions))
            return
        if version.strip() not in api.versions:
            await _reply(send, 404, problems.unknown_version(version.strip(), api.versions))
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() not in _APIM_HEADERS] + [
            (SUBSCRIPTION_NAME_HEADER.encode(), self.name_of(key).encode("latin-1")),
            (IS_SANDBOX_HEADER.encode(), b"true"),
        ]
        await self.app(scope, receive, send)


async def _reply(send: Send, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
    body = json.dumps(problems.apim_error(status, message)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
