"""How to authenticate against an API, in words: the ``serve`` banner's and the landing page's."""

from __future__ import annotations

from typing import Any

_PLACES = {"query": "in the query string", "json": "in a JSON body", "form": "in a form body"}


def credential_lines(api: dict[str, Any]) -> list[str]:
    """How to authenticate against an API (``/__sandbox__/apis``' entry), for people to read."""
    auth = api["auth"]
    sent = []
    for where, values in auth["send"].items():
        joined = ", ".join(f"{k}: {v}" if where == "header" else f"{k}={v}" for k, v in values.items())
        sent.append(joined if where == "header" else f"{joined} ({_PLACES[where]})")
    lines = ["; ".join(sent)] if sent else []
    if "login" in auth:
        login = auth["login"]
        fields = ", ".join(f"{k}={v}" for k, v in login["json"].items())
        lines.append(
            f"{login['method']} {login['path']} with {{{fields}}}, then the token in {auth['token']['name']}"
        )
    elif "token" in auth:
        token = auth["token"]
        values = ", ".join(f"{k}={v}" for k, v in auth["values"].items())
        lines.append(
            f"a {token['algorithm']} token per request in {token['name']} ({', '.join(token['claims'])}), "
            f"from {values}"
        )
    elsewhere = {name: sorted({s["in"] for s in sources}) for name, sources in auth["fields"].items()}
    if any(len(places) > 1 for places in elsewhere.values()):
        lines.append("accepted in: " + "; ".join(f"{n}: {', '.join(p)}" for n, p in elsewhere.items()))
    return lines


__all__ = ["credential_lines"]
