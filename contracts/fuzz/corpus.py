"""Sending the hostile-input corpus and judging the answers: nothing >= 500, every state export valid.

``run`` sends each API's probes (``contracts.fuzz.hostile``) with the API's credentials, in-process or
over a socket, counts the answers, and afterwards reads every API's state export through the control
plane (it must be JSON a strict parser reads) and the control plane's health (the server still answers).
A traceback in the server's log is the caller's to look for: ``lms-sandbox fuzz`` scans its ``serve``
log, the tests the sandbox's own list of handler errors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockserver.vendors import get_vendor
from mockserver.vendors.credentials import LoginScheme, SignedScheme, Source

from .hostile import CONTROL, corpus, framing, surface
from .wire import Answer, Header, Probe, Sender

__all__ = ["CorpusResult", "Credentials", "Finding", "run"]

# The part of an answer a finding shows.
_SHOWN = 300


@dataclass(frozen=True, slots=True)
class Finding:
    """A probe answered with 500 or more, or not at all (a probe that is not about framing)."""

    probe: Probe
    status: int | None
    body: str

    def describe(self) -> str:
        status = "no answer" if self.status is None else str(self.status)
        return f"{self.probe.describe()} -> {status} {self.body}"


@dataclass(slots=True)
class CorpusResult:
    """How the corpus was answered, per API, and what the exports and the health check said."""

    statuses: dict[str, Counter[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)  # API -> why its export is not valid JSON
    healthy: bool = True

    @property
    def sent(self) -> int:
        return sum(sum(counts.values()) for counts in self.statuses.values())

    @property
    def ok(self) -> bool:
        return not self.findings and not self.exports and self.healthy

    def count(self, probe: Probe, answer: Answer) -> None:
        status = "no answer" if answer.status is None else str(answer.status)
        self.statuses.setdefault(probe.api, Counter())[status] += 1
        refused = answer.status is not None and answer.status >= 500
        if refused or (answer.status is None and probe.raw is None):
            shown = answer.body[:_SHOWN].decode("utf-8", "replace")
            self.findings.append(Finding(probe, answer.status, shown))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "requests": self.sent,
            "server_errors": len(self.findings),
            "statuses": {api: dict(sorted(counts.items())) for api, counts in self.statuses.items()},
            "findings": [finding.describe() for finding in self.findings],
            "invalid_exports": dict(self.exports),
            "healthy": self.healthy,
        }


def _header(source: Source, value: str) -> Header:
    return source.name.lower().encode(), value.encode()


class Credentials:
    """The headers that authenticate a probe to ``api``, the way its vendor's scheme takes them.

    Fields go in a header where the scheme allows one (so a probe's body stays as it was built), else
    in the query; a login token is fetched once, through ``send``; a signed token is made per probe.
    """

    def __init__(self, api: str, send: Sender) -> None:
        self.api = api
        self.send = send
        self.scheme = None if api == CONTROL else get_vendor(api).credentials
        self.credential: Mapping[str, str] = self.scheme.defaults[0] if self.scheme else {}
        self._token: str | None = None

    def headers(self) -> list[Header]:
        scheme = self.scheme
        if scheme is None:
            return []
        found = []
        for field_ in scheme.fields:
            source = next((s for s in field_.sources if s.where == "header"), None)
            if source is not None:
                found.append(_header(source, str(self.credential[field_.name])))
        if isinstance(scheme, SignedScheme):
            found.append(_header(scheme.token, scheme.token.carry(scheme.sign(self.credential))))
        elif isinstance(scheme, LoginScheme):
            found.append(_header(scheme.token, scheme.token.carry(self._login(found))))
        return found

    def _login(self, keys: list[Header]) -> str:
        if self._token is None:
            scheme = self.scheme
            assert isinstance(scheme, LoginScheme)
            vendor = get_vendor(self.api)
            body = orjson.dumps(scheme.login_json(self.credential))
            headers = (*keys, (b"content-type", b"application/json"))
            headers += tuple((k.lower().encode(), v.encode()) for k, v in vendor.client_headers.items())
            target = f"{vendor.prefix}{scheme.login_path}".encode()
            answer = self.send(Probe(self.api, "login", "POST", target, headers, body))
            token = orjson.loads(answer.body) if answer.status == 200 else None
            if isinstance(token, dict):
                token = token.get("token") or token.get("access_token")
            if not isinstance(token, str):
                raise RuntimeError(
                    f"the corpus could not log in to {self.api}: {answer.status} {answer.body[:200]!r}"
                )
            self._token = token
        return self._token


def _check_exports(result: CorpusResult, apis: Iterable[str], send: Sender) -> None:
    control = surface(CONTROL).prefix
    for api in apis:
        answer = send(Probe(CONTROL, "export", "GET", f"{control}/state/{api}".encode()))
        if answer.status != 200:
            result.exports[api] = f"the export answered {answer.status}"
            continue
        try:
            orjson.loads(answer.body)
        except orjson.JSONDecodeError as exc:
            result.exports[api] = f"the export is not valid JSON: {exc}"
    health = send(Probe(CONTROL, "health", "GET", f"{control}/health".encode()))
    result.healthy = health.status == 200


def run(
    apis: Iterable[str],
    send: Sender,
    *,
    over_socket: bool = False,
    control: bool = True,
    probes: Callable[[str], list[Probe]] = corpus,
) -> CorpusResult:
    """Send the corpus of each of ``apis`` (and the control plane's, last) through ``send``.

    Args:
        apis: registered API names.
        send: how a probe is sent (``wire.asgi_sender`` or ``wire.socket_sender``).
        over_socket: also send the framing probes (only a socket can carry them).
        control: the control plane's corpus too.
        probes: the probes of one API (the whole corpus by default).
    """
    apis = list(apis)
    result = CorpusResult()
    for api in [*apis, CONTROL] if control else apis:
        credentials = Credentials(api, send)
        sent = probes(api) + (framing(api) if over_socket else [])
        for probe in sent:
            authenticated = probe.with_headers(credentials.headers()) if probe.authenticated else probe
            result.count(probe, send(authenticated))
    _check_exports(result, apis, send)
    return result
