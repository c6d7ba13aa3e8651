"""The curl command that reproduces an HTTP request."""

from __future__ import annotations

import shlex

import httpx

# Headers httpx adds on its own; leaving them out keeps the command readable.
_NOISE = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"})


def curl_for(request: httpx.Request) -> str:
    """``curl -X METHOD -H ... -d BODY URL`` for an ``httpx`` request."""
    parts = ["curl", "-X", request.method]
    for name, value in request.headers.items():
        if name.lower() not in _NOISE:
            parts += ["-H", f"{name}: {value}"]
    body = request.read()
    if body:
        parts += ["-d", body.decode("utf-8", errors="replace")]
    parts.append(str(request.url))
    return shlex.join(parts)
