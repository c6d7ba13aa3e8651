"""Webhooks: the URLs registered per API, and the delivery of the events a vendor declares to them.

A vendor declares its events (``Vendor.webhook_events``) and its rules emit them on the state change
(``VendorData.emit``), whichever call caused it. Each registered URL then gets one
``application/x-www-form-urlencoded`` POST of the event's fields and ``event``, sent once with no
retries, from a background thread, so a slow or failing receiver never delays or fails the API call.
Each delivery and its outcome (the receiver's status, or the error) goes into the journal.
Registrations are configuration: ``--webhook API=URL`` and the control plane add them, and a data
reset keeps them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from .errors import SandboxError
from .journal import Journal
from .webhook_targets import InvalidWebhookUrl, Target, WebhookPolicy, parse_target, pinned

# How long a receiver may take to answer one delivery.
DELIVERY_TIMEOUT = 5.0
WEBHOOK = "webhook"


class NoWebhooks(LookupError, SandboxError):
    """An API that declares no webhook events."""

    def __init__(self, api: str, offering: list[str]) -> None:
        super().__init__(f"API {api!r} sends no webhooks; these do: {', '.join(offering) or 'none'}")


def check_url(url: str, policy: WebhookPolicy | None = None) -> str:
    """``url`` if it is an absolute http(s) URL ``policy`` accepts; ``InvalidWebhookUrl`` otherwise."""
    (policy or WebhookPolicy()).check(url)
    return url


def _post(target: Target, addresses: list[str], body: str) -> httpx.Response:
    """POST ``body`` to ``target`` at the first of its checked ``addresses`` that takes a connection."""
    failure: httpx.ConnectError | None = None
    with httpx.Client(timeout=DELIVERY_TIMEOUT) as client:
        for address in addresses:
            url, host, extensions = pinned(target, address)
            try:
                return client.post(
                    url,
                    content=body.encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded", **host},
                    extensions=extensions,
                )
            except httpx.ConnectError as exc:
                failure = exc
    assert failure is not None
    raise failure


class Webhooks:
    """One sandbox's webhook registrations and deliveries.

    Args:
        journal: where each delivery and its outcome is recorded.
        events: API -> the events it declares (APIs declaring none take no registration).
        configured: API -> URLs registered from the start (``--webhook``).
        policy: which targets are accepted, at registration and again at each delivery.
    """

    def __init__(
        self,
        journal: Journal,
        events: Mapping[str, tuple[str, ...]],
        configured: Mapping[str, tuple[str, ...]] | None = None,
        policy: WebhookPolicy | None = None,
    ) -> None:
        self.journal = journal
        self.policy = policy or WebhookPolicy()
        self.events = {api: tuple(names) for api, names in events.items() if names}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._urls: dict[str, list[str]] = {api: [] for api in self.events}
        self._executor: ThreadPoolExecutor | None = None
        for api, urls in (configured or {}).items():
            for url in urls:
                self.register(api, url)

    def _check_api(self, api: str) -> None:
        if api not in self.events:
            raise NoWebhooks(api, list(self.events))

    def urls(self, api: str) -> list[str]:
        self._check_api(api)
        with self._lock:
            return list(self._urls[api])

    def registrations(self) -> dict[str, dict[str, list[str]]]:
        """API -> its events and registered URLs, for every API that declares events."""
        with self._lock:
            return {
                api: {"events": list(self.events[api]), "urls": list(self._urls[api])} for api in self.events
            }

    def register(self, api: str, url: str) -> list[str]:
        """Send ``api``'s events to ``url`` too (once, however often it is registered); the URLs now."""
        self._check_api(api)
        self.policy.check(url)
        with self._lock:
            if url not in self._urls[api]:
                self._urls[api].append(url)
            return list(self._urls[api])

    def unregister(self, api: str, url: str | None = None) -> bool:
        """Stop sending ``api``'s events to ``url`` (every URL when None); whether any was registered."""
        self._check_api(api)
        with self._lock:
            had = bool(self._urls[api]) if url is None else url in self._urls[api]
            self._urls[api] = [] if url is None else [u for u in self._urls[api] if u != url]
            return had

    def emit(self, api: str, event: str, fields: Mapping[str, str]) -> None:
        """Deliver ``event`` with ``fields`` to every URL registered for ``api``, in the background."""
        declared = self.events.get(api, ())
        if event not in declared:
            raise ValueError(
                f"{api} declares no webhook event {event!r}; it declares {', '.join(declared) or 'none'}"
            )
        with self._lock:
            urls = list(self._urls[api])
            if not urls:
                return
            if self._executor is None:
                # One thread: deliveries leave in the order the state changed.
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lms-sandbox-webhooks")
            self._pending += len(urls)
            executor = self._executor
        body = urlencode({**fields, "event": event})
        for url in urls:
            executor.submit(self._deliver, api, event, url, body)

    def _deliver(self, api: str, event: str, url: str, body: str) -> None:
        started = time.perf_counter()
        status, answer, error = 0, "", None
        try:
            # Checked again now, and sent to an address checked now: the name may resolve elsewhere.
            target = parse_target(url)
            response = _post(target, self.policy.addresses(target), body)
            status, answer = response.status_code, response.text[:4096]
        except Exception as exc:  # any failure is the delivery's outcome, never the app's
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.journal.record(
                time=datetime.now(UTC).isoformat(timespec="milliseconds"),
                api=api,
                method="POST",
                path=url,
                query="",
                status=status,
                operation_id=event,
                call=event,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                request_body=body,
                response_body=answer,
                kind=WEBHOOK,
                error=error,
            )
            with self._lock:
                self._pending -= 1
                self._idle.notify_all()

    def join(self, timeout: float = DELIVERY_TIMEOUT) -> bool:
        """Wait until every delivery so far has its outcome in the journal; whether they all have."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, *, wait: bool = True) -> None:
        """Stop the delivery thread once the deliveries under way are done (waiting for them unless
        ``wait`` is false: an expired session's)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)


__all__ = ["WEBHOOK", "InvalidWebhookUrl", "NoWebhooks", "WebhookPolicy", "Webhooks", "check_url"]
