"""The APIM gateway in front of both DfE APIs: keys, versions, rate limit, subscription header.

The per-operation tests are parametrized from the spec files, so an operation added to either
spec is covered without touching this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.types import Receive, Scope, Send

from mockserver import Sandbox, create_app
from mockserver.cli import build_parser, options_from_args
from mockserver.clock import SandboxClock
from mockserver.index import HTTP_METHODS, ApiIndex
from mockserver.ratelimit import RateLimiter
from mockserver.specs import load_spec
from mockserver.testing import sync_client
from mockserver.vendors.dfe import ADVERT, KEY_HEADER, SPECS, TRACK_PROGRESS, VENDOR, VERSION_HEADER, problems
from mockserver.vendors.dfe import gateway as gw
from mockserver.vendors.edge import CredentialEdge, header_values

KEY = "sandbox-subscription-key"
PREFIX = "/apprenticeships"
RETRY_MESSAGE = re.compile(r"^Rate limit is exceeded\. Try again in (\d+) seconds\.$")


@dataclass(frozen=True)
class Operation:
    """One operation of a DfE spec, with a concrete URL and body built from the spec's examples."""

    spec: str
    operation_id: str
    method: str
    url: str
    body: Any
    versions: tuple[str, ...]
    responses: dict[str, Any]

    def __str__(self) -> str:
        return self.operation_id


def _example(param: dict[str, Any]) -> str:
    value = param.get("example", param.get("schema", {}).get("example", "1"))
    return str(value)


def _body_example(operation: dict[str, Any]) -> Any:
    media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" in media:
        return media["example"]
    examples = list(media.get("examples", {}).values())
    return examples[0]["value"] if examples else None


def _inline(node: Any, spec: dict[str, Any]) -> Any:
    """``node`` with every local ``$ref`` replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target, spec)
        return {k: _inline(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, spec) for v in node]
    return node


def _operations() -> list[Operation]:
    found = []
    for mount in SPECS:
        spec = load_spec(mount.file)
        shared = spec.get("components", {}).get("parameters", {})
        versions = header_values(ApiIndex({mount.base_path: spec}), mount.base_path, VERSION_HEADER)
        assert versions, f"{mount.file} declares no X-Version enum"
        for template, item in spec["paths"].items():
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                path = template
                for param in [*item.get("parameters", []), *operation.get("parameters", [])]:
                    param = shared[param["$ref"].rsplit("/", 1)[1]] if "$ref" in param else param
                    if param["in"] == "path":
                        path = path.replace("{" + param["name"] + "}", _example(param))
                found.append(
                    Operation(
                        spec=mount.file,
                        operation_id=operation["operationId"],
                        method=method.upper(),
                        url=f"{PREFIX}{mount.base_path}{path}",
                        body=_body_example(operation),
                        versions=versions,
                        responses=_inline(operation["responses"], spec),
                    )
                )
    return found


OPERATIONS = _operations()


def _send(client: httpx.Client, op: Operation, headers: dict[str, str]) -> httpx.Response:
    return client.request(op.method, op.url, json=op.body, headers=headers)


def _documented(op: Operation, response: httpx.Response) -> Any:
    """The response's JSON body, after checking the operation documents its status, body and headers."""
    documented = op.responses[str(response.status_code)]
    body = response.json()
    jsonschema.validate(body, documented["content"]["application/json"]["schema"])
    for header in documented.get("headers", {}):
        assert header in response.headers
    return body


def _valid(op: Operation, key: str = KEY) -> dict[str, str]:
    return {KEY_HEADER: key, VERSION_HEADER: op.versions[-1]}


@pytest.fixture
def small_limit() -> Iterator[tuple[Sandbox, httpx.Client]]:
    """A DfE-only sandbox allowing 3 requests per key per minute."""
    app = create_app(apis=("dfe",), rate_limits={"dfe": "3/minute"})
    with sync_client(app) as client:
        yield app, client


def test_both_documents_are_covered() -> None:
    assert {op.spec for op in OPERATIONS} == {ADVERT.file, TRACK_PROGRESS.file}
    ids = {op.operation_id for op in OPERATIONS}
    assert {"addApprenticeshipProgress", "getVacancies"} <= ids
    assert len(ids) == len(OPERATIONS)


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_a_request_without_a_key_gets_401_missing_key(client: httpx.Client, op: Operation) -> None:
    response = _send(client, op, {VERSION_HEADER: op.versions[-1]})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert _documented(op, response) == {
        "statusCode": 401,
        "message": "Access denied due to missing subscription key. "
        "Make sure to include subscription key when making requests to an API.",
    }


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_a_request_with_an_unknown_key_gets_401_invalid_key(client: httpx.Client, op: Operation) -> None:
    response = _send(client, op, _valid(op, key="not-a-key"))
    assert response.status_code == 401
    assert _documented(op, response) == {
        "statusCode": 401,
        "message": "Access denied due to invalid subscription key. "
        "Make sure to provide a valid key for an active subscription.",
    }


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_a_request_without_x_version_gets_404_saying_it_is_missing(
    client: httpx.Client, op: Operation
) -> None:
    response = _send(client, op, {KEY_HEADER: KEY})
    assert response.status_code == 404
    body = _documented(op, response)
    assert body == {"statusCode": 404, "message": problems.missing_version(op.versions)}
    assert "X-Version header is missing" in body["message"]


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_a_request_for_an_unknown_version_gets_404_naming_it(client: httpx.Client, op: Operation) -> None:
    response = _send(client, op, {KEY_HEADER: KEY, VERSION_HEADER: "99"})
    assert response.status_code == 404
    body = _documented(op, response)
    assert body == {"statusCode": 404, "message": problems.unknown_version("99", op.versions)}
    assert "version '99' of this API does not exist" in body["message"]


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_every_served_version_passes_the_gateway(client: httpx.Client, op: Operation) -> None:
    for version in op.versions:
        response = _send(client, op, {KEY_HEADER: KEY, VERSION_HEADER: version})
        assert response.status_code not in (401, 429)
        assert "statusCode" not in response.json()


def _assert_rate_limited(op: Operation, response: httpx.Response, window_seconds: int) -> None:
    assert response.status_code == 429
    assert "Retry-After" in op.responses["429"]["headers"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window_seconds
    body = _documented(op, response)
    assert body["statusCode"] == 429
    found = RETRY_MESSAGE.match(body["message"])
    assert found is not None, body
    assert int(found.group(1)) == retry_after


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_the_151st_request_in_a_window_gets_429_with_retry_after(client: httpx.Client, op: Operation) -> None:
    for _ in range(150):
        assert _send(client, op, _valid(op)).status_code != 429
    _assert_rate_limited(op, _send(client, op, _valid(op)), 300)
    # Every further request in the window is refused too, whatever it asks for.
    _assert_rate_limited(op, _send(client, op, {KEY_HEADER: KEY}), 300)


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_a_shrunk_limit_refuses_the_request_after_it(
    small_limit: tuple[Sandbox, httpx.Client], op: Operation
) -> None:
    _app, client = small_limit
    for _ in range(3):
        assert _send(client, op, _valid(op)).status_code != 429
    _assert_rate_limited(op, _send(client, op, _valid(op)), 60)


def test_the_key_is_checked_before_the_rate_limit(small_limit: tuple[Sandbox, httpx.Client]) -> None:
    _app, client = small_limit
    op = OPERATIONS[0]
    for _ in range(4):
        _send(client, op, _valid(op))
    assert _send(client, op, {}).status_code == 401
    assert _send(client, op, _valid(op, key="nope")).status_code == 401


def test_the_control_plane_reset_clears_the_limiter(small_limit: tuple[Sandbox, httpx.Client]) -> None:
    _app, client = small_limit
    op = OPERATIONS[0]
    for _ in range(3):
        _send(client, op, _valid(op))
    assert _send(client, op, _valid(op)).status_code == 429
    assert client.post("/__sandbox__/reset").status_code == 200
    assert _send(client, op, _valid(op)).status_code != 429


def test_several_configured_keys_are_accepted_and_limited_apart() -> None:
    app = create_app(apis=("dfe",), credentials={"dfe": ("key-a", "key-b")}, rate_limits={"dfe": "2/hour"})
    op = OPERATIONS[0]
    with sync_client(app) as client:
        assert _send(client, op, _valid(op, key=KEY)).json()["message"] == problems.INVALID_KEY
        for _ in range(2):
            assert _send(client, op, _valid(op, key="key-a")).status_code not in (401, 429)
        _assert_rate_limited(op, _send(client, op, _valid(op, key="key-a")), 3600)
        assert _send(client, op, _valid(op, key="key-b")).status_code not in (401, 429)


def test_an_invalid_rate_limit_option_is_refused_naming_the_syntax() -> None:
    with pytest.raises(ValueError, match="150 per 5 minutes"):
        create_app(apis=("dfe",), rate_limits={"dfe": "lots"})


def test_the_served_documents_and_swagger_uis_need_no_key(client: httpx.Client) -> None:
    for mount in SPECS:
        spec = client.get(f"{PREFIX}{mount.spec_route}")
        assert spec.status_code == 200
        assert spec.json()["info"]["title"] == load_spec(mount.file)["info"]["title"]
        assert client.get(f"{PREFIX}{mount.docs_route}").status_code == 200
        assert client.get(f"{PREFIX}{mount.base_path}/openapi.yaml").status_code == 200


def test_gateway_refusals_are_in_the_journal(client: httpx.Client) -> None:
    op = OPERATIONS[0]
    _send(client, op, {})
    entries = client.get("/__sandbox__/journal", params={"api": "dfe"}).json()["entries"]
    assert [(e["method"], e["status"]) for e in entries] == [(op.method, 401)]


# The gateway alone (the shared edge configured as DfE's), in front of a backend that echoes what it
# was given, on a clock the test moves.


class _Clock(SandboxClock):
    def __init__(self) -> None:
        super().__init__()
        self.freeze(1_000_000.0)

    def move(self, seconds: float) -> None:
        self.advance(seconds)


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    body = json.dumps({"path": scope["path"], "headers": headers}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


def _gateway(clock: _Clock, limit: str = "2/minute") -> CredentialEdge:
    def header_enum(*versions: str) -> dict[str, Any]:
        parameter = {"name": VERSION_HEADER, "in": "header", "schema": {"enum": list(versions)}}
        return {"paths": {"/x": {"get": {"parameters": [parameter]}}}}

    return CredentialEdge(
        gw.SubscriptionContext(_echo, lambda key: f"External-{key}-Sandbox"),
        scheme=VENDOR.credentials,
        accepted=({"key": "k1"}, {"key": "k2"}),
        index=ApiIndex({"/vacancies": header_enum("1", "2"), "": header_enum("1")}),
        render=problems.apim_error,
        clock=clock,
        data=lambda: pytest.fail("the DfE edge keeps no per-vendor data"),
        rate_limit=VENDOR.rate_limit,
        rate_limit_value=limit,
        required_headers=VENDOR.required_headers,
        gateway=VENDOR.gateway,
    )


def test_the_window_resets_when_it_ends() -> None:
    clock = _Clock()
    with sync_client(_gateway(clock)) as client:
        headers = {KEY_HEADER: "k1", VERSION_HEADER: "1"}
        assert [client.get("/x", headers=headers).status_code for _ in range(3)] == [200, 200, 429]
        clock.move(45)
        refused = client.get("/x", headers=headers)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "15"
        clock.move(15)
        assert [client.get("/x", headers=headers).status_code for _ in range(3)] == [200, 200, 429]


def test_retry_after_counts_down_to_the_end_of_the_window() -> None:
    clock = _Clock()
    limiter = RateLimiter("1 per 5 minutes", clock=clock)
    assert limiter.hit("k") is None
    assert limiter.hit("k") == 300
    clock.move(299.5)
    assert limiter.hit("k") == 1
    clock.move(0.5)
    assert limiter.hit("k") is None


def test_the_backend_is_told_the_subscription_name_and_cannot_be_spoofed() -> None:
    with sync_client(_gateway(_Clock())) as client:
        response = client.get(
            "/vacancies/vacancy",
            headers={
                KEY_HEADER: "k2",
                VERSION_HEADER: "2",
                gw.SUBSCRIPTION_NAME_HEADER: "Employer-SPOOF-Sandbox",
            },
        )
    seen = response.json()["headers"]
    assert seen[gw.SUBSCRIPTION_NAME_HEADER] == "External-k2-Sandbox"
    assert seen[gw.IS_SANDBOX_HEADER] == "true"


def test_versions_are_those_of_the_api_the_path_belongs_to() -> None:
    with sync_client(_gateway(_Clock(), limit="100/minute")) as client:
        v2 = {KEY_HEADER: "k1", VERSION_HEADER: "2"}
        assert client.get("/vacancies/vacancy", headers=v2).status_code == 200
        refused = client.post("/apprenticeships/1/2025-09-01/progress", headers=v2)
        assert refused.status_code == 404
        assert refused.json()["message"] == problems.unknown_version("2", ("1",))


def test_the_default_key_is_the_seeded_employer_subscription(sandbox: Sandbox) -> None:
    record = sandbox.store.vendor("dfe").collection(gw.SUBSCRIPTIONS)[KEY]
    assert record["type"] == "Employer"
    name = gw.subscription_name(sandbox.store, "dfe", KEY)
    assert name == f"Employer-{record['accountPublicHashedId']}-Sandbox"


def test_each_seeded_subscription_is_named_as_apim_names_it(sandbox: Sandbox) -> None:
    records = sandbox.store.vendor("dfe").collection(gw.SUBSCRIPTIONS)
    names = {key: gw.subscription_name(sandbox.store, "dfe", key) for key in records}
    assert {name.split("-", 1)[0] for name in names.values()} == {"Employer", "Provider", "External"}
    for key, name in names.items():
        kind, ident, suffix = name.split("-", 2)[0], name.split("-")[1], name.rsplit("-", 1)[1]
        assert (kind, suffix) == (records[key]["type"], "Sandbox")
        if kind == "Provider":
            assert ident == str(records[key]["ukprn"])


def test_a_configured_key_without_a_record_is_a_stable_external_subscription(sandbox: Sandbox) -> None:
    first = gw.subscription_name(sandbox.store, "dfe", "another-key")
    assert re.fullmatch(r"External-[0-9a-f-]{36}-Sandbox", first)
    assert gw.subscription_name(sandbox.store, "dfe", "another-key") == first
    assert gw.subscription_name(sandbox.store, "dfe", "third-key") != first


def test_the_apis_listing_names_every_dfe_document_and_the_key_header(client: httpx.Client) -> None:
    (dfe,) = [a for a in client.get("/__sandbox__/apis").json() if a["name"] == "dfe"]
    assert dfe["title"] == "UK Apprenticeship Service (DfE)"
    assert dfe["base_url"] == "http://sandbox/apprenticeships"
    assert dfe["headers"] == {"Ocp-Apim-Subscription-Key": KEY}
    assert dfe["client_headers"] == {"X-Version": "2"}
    assert dfe["specs"] == [
        {
            "file": "dfe-display-advert.yaml",
            "base_url": "http://sandbox/apprenticeships/vacancies",
            "spec_url": "http://sandbox/apprenticeships/vacancies/openapi.json",
            "docs_url": "http://sandbox/apprenticeships/vacancies/ui/",
        },
        {
            "file": "dfe-track-progress.yaml",
            "base_url": "http://sandbox/apprenticeships",
            "spec_url": "http://sandbox/apprenticeships/openapi.json",
            "docs_url": "http://sandbox/apprenticeships/ui/",
        },
    ]


# the option


def test_the_rate_limit_option_is_parsed_from_the_command_line() -> None:
    args = build_parser().parse_args(["serve", "--rate-limit", "dfe=1000/minute"])
    assert options_from_args(args).rate_limits == {"dfe": "1000/minute"}


def test_the_rate_limit_option_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_SANDBOX_RATE_LIMIT", "dfe=10 per 1 second")
    assert options_from_args(build_parser().parse_args(["serve"])).rate_limits == {"dfe": "10 per 1 second"}
    flag = build_parser().parse_args(["serve", "--rate-limit", "dfe=5/hour"])
    assert options_from_args(flag).rate_limits == {"dfe": "5/hour"}


def test_a_malformed_rate_limit_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--rate-limit", "dfe=often"])
    assert "invalid rate limit 'often'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--rate-limit", "dfee=1/minute"])
    assert "unknown API 'dfee'" in capsys.readouterr().err


def test_the_rate_limit_option_is_documented_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--rate-limit API=LIMIT" in out
    assert "LMS_SANDBOX_RATE_LIMIT" in out


def test_served_at_the_root_the_paths_are_the_real_hosts() -> None:
    app = create_app(apis=("dfe",), root=True)
    with sync_client(app) as client:
        op = next(op for op in OPERATIONS if op.operation_id == "addApprenticeshipProgress")
        url = op.url.removeprefix(PREFIX)
        assert url.startswith("/apprenticeships/")
        assert client.post(url, json=op.body, headers={}).json()["message"] == problems.MISSING_KEY
        assert client.post(url, json=op.body, headers=_valid(op)).status_code == 201
        assert client.get("/vacancies/ui/").status_code == 200
