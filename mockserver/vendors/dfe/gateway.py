"""What APIM tells the DfE backends about the caller, behind the shared credential edge.

APIM names the caller's subscription to the backend in the request header
``x-request-context-subscription-name`` (vendor notes 2.1). The edge has already checked the key,
the rate limit and ``X-Version`` (see the descriptor in ``__init__.py``); this middleware sets the
header from the validated identity, overwriting anything a client sent.

DfE issues a key per API; the sandbox accepts its keys on both APIs, so one key's requests to both
count in the same rate-limit window.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from ...store import Store
from ..edge import identity_of

SUBSCRIPTION_NAME_HEADER = "x-request-context-subscription-name"
IS_SANDBOX_HEADER = "x-request-context-subscription-is-sandbox"
SUBSCRIPTIONS = "subscriptions"
# Namespace of the External-<guid> names given to configured keys that have no subscription record.
_EXTERNAL_NAMESPACE = uuid.UUID("6f1c2a4e-3b7d-4d8e-9a51-0c2e7f6b9d13")
_APIM_HEADERS = {SUBSCRIPTION_NAME_HEADER.encode(), IS_SANDBOX_HEADER.encode()}


def subscription_name(store: Store, api: str, key: str) -> str:
    """The name APIM gives the subscription of ``key``: ``Employer-<hashed id>-Sandbox`` and so on.

    A key's identity is its record in the ``subscriptions`` collection (id = the key): its ``name``,
    else one made from its ``type`` and account or UKPRN; a configured key without a record is an
    External subscription.
    """
    record = dict(store.vendor(api).collection(SUBSCRIPTIONS).get(key) or {})
    if isinstance(record.get("name"), str) and record["name"]:
        return str(record["name"])
    kind = record.get("type")
    if kind == "Employer" and record.get("accountPublicHashedId"):
        return f"Employer-{record['accountPublicHashedId']}-Sandbox"
    if kind == "Provider" and record.get("ukprn"):
        return f"Provider-{record['ukprn']}-Sandbox"
    return f"External-{uuid.uuid5(_EXTERNAL_NAMESPACE, key)}-Sandbox"


class SubscriptionContext:
    """Tells the backend whose subscription called, as APIM does; a client cannot spoof it.

    Args:
        app: the backend (the vendor's Connexion app).
        name_of: the subscription name of a (validated) key.
    """

    def __init__(self, app: ASGIApp, name_of: Callable[[str], str]) -> None:
        self.app = app
        self.name_of = name_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            identity = identity_of(scope)
            headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _APIM_HEADERS]
            if identity is not None:
                name = self.name_of(identity.credential["key"])
                headers += [
                    (SUBSCRIPTION_NAME_HEADER.encode(), name.encode("latin-1")),
                    (IS_SANDBOX_HEADER.encode(), b"true"),
                ]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)
