"""What the pytest plugin hands to tests: sandbox and vendor handles, journal assertions, live servers.

``mockserver.pytest_plugin`` holds only the fixtures, hooks, options and marker; the machinery is here
so it can be imported, typed and tested without pytest.
"""

from __future__ import annotations

from .. import _connexion  # noqa: F401  (first: Connexion imported with its warnings silenced)
from .calls import Call, JournalAssertions
from .handles import BaseHandle, Factory, NotServed, SandboxHandle, SandboxRaised, VendorSandbox, VendorState
from .live import LiveSandbox, LiveServer
from .pool import SandboxPool
from .receiver import Delivery, NoDelivery, WebhookReceiver
from .settings import MarkerSettings, resolve_options, session_of_test

__all__ = [
    "BaseHandle",
    "Call",
    "Delivery",
    "Factory",
    "JournalAssertions",
    "LiveSandbox",
    "LiveServer",
    "MarkerSettings",
    "NoDelivery",
    "NotServed",
    "SandboxHandle",
    "SandboxPool",
    "SandboxRaised",
    "VendorSandbox",
    "VendorState",
    "WebhookReceiver",
    "resolve_options",
    "session_of_test",
]
