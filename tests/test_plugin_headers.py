"""``sandbox.headers(api)`` (and ``sandbox_server.headers``): a working set of headers for one call, for every
vendor of the registry, fresh on each call and sharing its login token with ``auth(api)``."""

from __future__ import annotations

import httpx
import pytest

from contracts.documents import load_contract
from mockserver.plugin import SandboxHandle
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY


def _cheap_call(sandbox_handle: SandboxHandle, api: str) -> tuple[str, str]:
    """The method and path (under the prefix) of the API's first operation that needs no parameters:
    a GET, else a POST without a body (a vendor whose calls are POSTs deprecates their GET twins). The
    headers it requires are the vendor's client headers, which ``headers(api)`` holds."""
    found = [
        (op.method, f"{sandbox_handle.api(api).prefix}{document.base_path}{op.path}")
        for document in load_contract(api).documents
        for op in document.index.every()
        if "{" not in op.path
        and not op.definition.get("deprecated")
        and not any(p.get("required") and p.get("in") != "header" for p in op.parameters)
        and (op.method == "GET" or (op.method == "POST" and not op.bodies))
    ]
    assert found, f"{api} has no operation without parameters"
    return min(found, key=lambda call: call[0] != "GET")


@pytest.mark.parametrize("api", sorted(REGISTRY))
def test_headers_make_calls_that_are_answered_2xx_each_fresh_and_sharing_the_auths_token(
    api: str, sandbox_handle: SandboxHandle
) -> None:
    method, path = _cheap_call(sandbox_handle, api)
    with sync_client(sandbox_handle.app) as bare:
        refused = bare.request(method, path, headers=dict(sandbox_handle.api(api).client_headers))
        first = sandbox_handle.headers(api)
        # The plugin's own client, made and used after: it must not revoke the headers' login token.
        own = sandbox_handle.client(api)
        by_client = own.request(method, path.removeprefix(sandbox_handle.api(api).prefix))
        answered = bare.request(method, path, headers=first)
        # A second set, for a second call: a single-use token is not sent twice.
        again = bare.request(method, path, headers=sandbox_handle.headers(api))
    assert refused.status_code >= 400, refused.text
    assert by_client.status_code < 300, by_client.text
    assert answered.status_code < 300, answered.text
    assert again.status_code < 300, again.text


def test_headers_are_what_a_bare_client_needs_and_nothing_it_cannot_send(
    sandbox_handle: SandboxHandle,
) -> None:
    for api in REGISTRY:
        sent = sandbox_handle.headers(api)
        assert sent, api
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in sent.items()), api
        httpx.Headers(sent)  # each name and value is one a client can send
