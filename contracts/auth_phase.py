"""The auth phase: each operation the target accepted, sent again with every credential mistake.

Runs after the Schemathesis phases, from the one request per operation they saw accepted
(``ContractResult.accepted``). Each request is stripped of every credential the vendor's scheme could
carry, then sent by a bare client once per probe (``auth_probes``); every probe must be refused with
the status the operation documents for it (its 401/403), in its documented body. Against the sandbox,
the status must also be the scheme's own refusal; against a URL, ``RunOptions.auth_status`` names it,
else any status the operation documents (any 4xx where it documents none) will do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from mockserver.excerpt import excerpt
from mockserver.vendors.credentials import CredentialScheme, LoginScheme, SignedScheme

from ._schemathesis import events, from_schema
from .auth import login
from .auth_probes import Probe, Template, Unavailable, carried, dress, probes_for, strip
from .checks import decoded
from .curl import curl_for
from .documents import Contract, Document
from .loading import load
from .options import SCHEMATHESIS_PHASES, Reporter, RunOptions
from .results import Accepted, ContractResult, Failure
from .specdata import json_schema_of, resolve, schema_errors
from .targets import Target
from .throttle import Throttle

PHASE = "auth"
AUTH_STATUSES = ("401", "403")


class _Issuer:
    """Valid credentials from the target: the keys its accepted request carried, its login, its clock."""

    def __init__(self, target: Target, keys: Mapping[str, str]) -> None:
        self.target = target
        self.scheme = target.vendor.credentials
        self._keys = dict(keys)
        self._live: str | None = None

    @property
    def keys(self) -> Mapping[str, str]:
        return self._keys

    @property
    def credential(self) -> Mapping[str, str]:
        if self.target.credential is None:
            raise Unavailable("the run has no credential to sign or log in with (pass --credential)")
        return self.target.credential

    def token(self) -> str | None:
        if isinstance(self.scheme, SignedScheme):
            return self.scheme.sign(self.credential, now=self.now())
        if isinstance(self.scheme, LoginScheme):
            return self._live or self.login()
        return None

    def login(self) -> str:
        if self.target.credential is None:
            raise Unavailable("the run has no credential to log in with (pass --credential)")
        self._live = login(self.target)
        return self._live

    def now(self) -> float:
        clock = self.target.clock
        return clock() if clock is not None else time.time()


@contextlib.contextmanager
def _later(target: Target, seconds: float) -> Iterator[None]:
    """The sandbox clock moved ``seconds`` forward for the block, then put back."""
    clock = target.clock
    if not seconds or clock is None:
        yield
        return
    clock.advance(seconds)
    try:
        yield
    finally:
        clock.advance(-seconds)


def _operations(contract: Contract) -> dict[str, tuple[Document, Mapping[str, Any]]]:
    """operationId -> (document, operation) for each operation that needs credentials, in document order."""
    found: dict[str, tuple[Document, Mapping[str, Any]]] = {}
    for document in contract.documents:
        for _, _, op in document.operations():
            if op.get("security", document.spec.get("security", [{}])):
                found[str(op.get("operationId"))] = (document, op)
    return found


def _documented(document: Document, op: Mapping[str, Any]) -> dict[int, dict[str, Any] | None]:
    """The operation's documented refusals of credentials: status -> body schema."""
    spec = document.spec
    return {
        int(status): json_schema_of(spec, resolve(spec, response))
        for status, response in (op.get("responses") or {}).items()
        if str(status) in AUTH_STATUSES
    }


@dataclasses.dataclass(slots=True)
class _Operation:
    """One accepted operation being probed: what it documents and how to judge an answer."""

    target: Target
    options: RunOptions
    document: Document
    documented: dict[int, dict[str, Any] | None]

    def allowed(self, probe: Probe) -> tuple[set[int] | None, str]:
        """The statuses that refuse ``probe`` (``None``: any 4xx), and how a failure names them."""
        documented = set(self.documented)
        if self.target.is_sandbox:
            wanted = {probe.refusal.status} & documented if documented else {probe.refusal.status}
            return (
                wanted,
                f"{probe.refusal.status} (the scheme's refusal, documented as {_listed(documented)})",
            )
        if self.options.auth_status is not None:
            return {self.options.auth_status}, f"{self.options.auth_status} (--auth-status)"
        if documented:
            return documented, f"{_listed(documented)} (documented)"
        return None, "a 4xx"

    def verdict(self, probe: Probe, response: httpx.Response) -> str | None:
        """Why ``response`` does not refuse ``probe`` as documented, or ``None`` when it does."""
        status = response.status_code
        if status < 400:
            return f"{probe.name} was accepted"
        allowed, expected = self.allowed(probe)
        if (allowed is None and not 400 <= status < 500) or (allowed is not None and status not in allowed):
            return f"{probe.name} was refused with {status}, not {expected}"
        schema = self.documented.get(status)
        if schema is not None:
            body = decoded(response.headers.get("content-type", ""), response.content)
            openapi = str(self.document.spec.get("openapi", "3.0"))
            problems = schema_errors(schema, body, openapi=openapi)
            if problems:
                return f"{probe.name} was refused with a body unlike the documented {status}: {problems[0]}"
        return None


def _listed(statuses: set[int]) -> str:
    return " or ".join(map(str, sorted(statuses))) or "nothing"


def _template(accepted: Accepted) -> Template:
    # Schemathesis' own trace header is noise in a probe and its curl.
    headers = tuple((k, v) for k, v in accepted.headers if not k.lower().startswith("x-schemathesis-"))
    return Template(accepted.method, accepted.url, headers, accepted.body)


def _filtered(scheme: CredentialScheme) -> set[str]:
    """Header names to hide in a failure's curl (a real target's credentials)."""
    names = {s.name.lower() for f in scheme.fields for s in f.sources if s.where == "header"}
    if isinstance(scheme, LoginScheme | SignedScheme) and scheme.token.where == "header":
        names.add(scheme.token.name.lower())
    return names


class _Prober:
    """Sends each probe of one run, counts its requests and keeps the failures."""

    def __init__(self, result: ContractResult, target: Target, options: RunOptions, client: httpx.Client):
        self.result = result
        self.target = target
        self.options = options
        self.client = client
        self.scheme = target.vendor.credentials
        self.throttle = Throttle(target.rate_limit) if target.rate_limit else None
        self.skipped: dict[str, str] = {}

    def _send(self, request: httpx.Request) -> httpx.Response:
        send: Callable[[], httpx.Response] = lambda: self.client.send(request)  # noqa: E731
        return self.throttle.send(send) if self.throttle is not None else send()

    def operation(self, name: str, accepted: Accepted, judge: _Operation) -> None:
        index = judge.document.index
        route = index.operations.get(name)
        token = isinstance(self.scheme, LoginScheme) and (
            route is None or index.asks_for(route, self.scheme.token.where, self.scheme.token.name)
        )
        original = _template(accepted)
        keys = {field: value for field, (_, value) in carried(self.scheme, original).items()}
        lacking = [f.name for f in self.scheme.fields if f.name not in keys]
        if lacking and self.target.credential is not None:
            keys.update({n: self.target.credential[n] for n in lacking if n in self.target.credential})
        if any(f.name not in keys for f in self.scheme.fields):
            self.skipped[name] = f"its accepted request carries no {', '.join(lacking)}"
            return
        template = strip(self.scheme, original)
        issuer = _Issuer(self.target, keys)
        counted = self.result.operation(name)
        for probe in probes_for(self.scheme, template.where, token=token):
            if probe.later and self.target.clock is None:
                self.skipped[probe.name] = "it needs the sandbox's clock (only a sandbox target's moves)"
                continue
            try:
                request = dress(self.scheme, template, probe.credential(issuer))
            except Unavailable as exc:
                self.skipped[probe.name] = str(exc)
                continue
            response = None
            with _later(self.target, probe.later):
                for _ in range(probe.sends):
                    response = self._send(request)
                    counted.count(PHASE, response.status_code)
            assert response is not None
            problem = judge.verdict(probe, response)
            if problem is not None:
                hidden = () if self.target.is_sandbox else _filtered(self.scheme)
                self.result.add_failure(
                    Failure(
                        name,
                        PHASE,
                        problem,
                        f"{response.status_code}: {excerpt(response.text)}",
                        curl_for(request, hidden),
                    )
                )


def _prime(result: ContractResult, target: Target, contract: Contract, options: RunOptions) -> None:
    """Accepted requests for a run of the auth phase alone: a quiet examples run, its checks off."""
    quiet = dataclasses.replace(options, phases=("examples",))
    for document in contract.documents:
        names = document.operation_ids()
        schema = load(target, document, quiet, settings={"checks": {"enabled": False}})
        for event in from_schema(schema).execute():
            if not (isinstance(event, events.ScenarioFinished) and event.is_test_scenario):
                continue
            for case_id, node in event.recorder.cases.items():
                interaction = event.recorder.interactions.get(case_id)
                response = interaction.response if interaction is not None else None
                if interaction is not None and response is not None and 200 <= response.status_code < 300:
                    label = node.value.operation.label
                    result.accept(names.get(label, label), document.base_path, interaction.request)
    result.notes.append(
        f"auth: no Schemathesis phase ran, so its {len(result.accepted)} accepted request(s) came from a "
        "quiet examples run (neither checked nor counted)"
    )


def run_auth_phase(
    result: ContractResult, target: Target, contract: Contract, options: RunOptions, reporter: Reporter
) -> None:
    """Probe every accepted operation's credentials (see the module's docstring)."""

    if not result.accepted and not set(SCHEMATHESIS_PHASES) & set(options.phases):
        _prime(result, target, contract, options)
    reporter.phase(PHASE, target.api)
    secured = _operations(contract)
    probed = [name for name in secured if name in result.accepted]
    with target.bare_client() as client:
        prober = _Prober(result, target, options, client)
        for name in probed:
            document, op = secured[name]
            prober.operation(
                name, result.accepted[name], _Operation(target, options, document, _documented(document, op))
            )
            reporter.step(PHASE, name, not any(f.phase == PHASE for f in result.operation(name).failures))
    unprobed = [name for name in secured if name not in result.accepted and name in result.operations]
    if unprobed:
        result.notes.append(
            f"auth: {len(unprobed)} operation(s) got no 2xx in this run, so their credentials were not probed"
        )
    for what, why in prober.skipped.items():
        result.notes.append(f"auth: not probed: {what}, since {why}")
