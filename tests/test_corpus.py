"""The hostile-input corpus against every API and the control plane, in-process: no answer >= 500, no
handler error, every state export valid JSON, the sandbox still healthy afterwards.

Framing and the server's own limits need a socket: ``tests/test_corpus_served.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from contracts.fuzz.corpus import CorpusResult, run
from contracts.fuzz.hostile import CONTROL, FORM, corpus, surface
from contracts.fuzz.wire import Probe, asgi_sender
from contracts.targets import UNLIMITED
from mockserver import Sandbox, create_app
from mockserver.vendors import REGISTRY, vendor_names


@pytest.fixture(scope="module")
def corpus_app() -> Iterator[Sandbox]:
    # Rate limits out of reach: the corpus sends hundreds of requests to one API.
    app = create_app(rate_limits={n: UNLIMITED for n, v in REGISTRY.items() if v.rate_limit is not None})
    yield app
    app.close()


def _only(api: str) -> Callable[[str], list[Probe]]:
    def probes(name: str) -> list[Probe]:
        return corpus(name) if name == api else []

    return probes


def _failed(result: CorpusResult) -> str:
    shown = [finding.describe()[:300] for finding in result.findings[:20]]
    return "\n".join([*shown, *(f"export {api}: {why}" for api, why in result.exports.items())])


@pytest.mark.parametrize("api", [*vendor_names(), CONTROL])
def test_the_corpus_gets_no_server_error_and_leaves_every_export_valid(api: str, corpus_app: Sandbox) -> None:
    corpus_app.reset(0)
    result = run(vendor_names(), asgi_sender(corpus_app), probes=_only(api))
    assert result.ok, _failed(result)
    statuses = result.statuses[api]
    # The corpus reached the API: it refused the input (4xx), and some probes were even served.
    assert sum(count for status, count in statuses.items() if status.startswith("4")) > 20
    assert not corpus_app.errors, corpus_app.errors[:3]


@pytest.mark.parametrize("api", [*vendor_names(), CONTROL])
def test_the_corpus_aims_at_every_kind_of_input_the_api_declares(api: str) -> None:
    aimed = surface(api)
    cases = {probe.case.split(":")[0].split(" ")[0] for probe in corpus(api)}
    operations = list(aimed.index.every())
    if any(any("json" in media for media in op.bodies) for op in operations):
        assert "json" in cases
    if any(FORM in op.bodies for op in operations):
        assert "form" in cases
    for where in ("query", "path", "header"):
        declared = any(p.get("in") == where for op in operations for p in op.parameters)
        assert (where in cases) == declared, where
    # A filter-like text query parameter gets the nested calls; a numeric path one the huge numbers.
    names = {probe.case for probe in corpus(api)}
    assert any("500 nested calls" in name for name in names) == any(
        p.get("in") == "query" and (p.get("schema") or {}).get("type") in (None, "string")
        for op in operations
        for p in op.parameters
    )
    assert "oversized: query of 1 MiB" in names
    assert "oversized: path of 100 KiB" in names
