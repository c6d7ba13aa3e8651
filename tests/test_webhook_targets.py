"""Where webhooks may go: malformed URLs, link-local and metadata targets refused, DNS checked twice."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.cli import build_parser, options_from_args
from mockserver.journal import Journal
from mockserver.plugin.receiver import WebhookReceiver
from mockserver.serve_command import _check_webhooks
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY
from mockserver.webhook_targets import InvalidWebhookUrl, WebhookPolicy
from mockserver.webhooks import Webhooks

# The first API that sends webhooks, and one of its events.
SENDING = next(name for name, vendor in REGISTRY.items() if vendor.webhook_events)
EVENT = REGISTRY[SENDING].webhook_events[0]

MALFORMED = [
    "http://[::1",
    "http://",
    "http://:80",
    "http://:80/hook",
    "http://host:99999/hook",
    "http://host:abc/hook",
    "http://host:0/hook",
    "http://exa mple.test/hook",
    "http://host/ho ok",
    "http://host/\x00",
    "http://host\x00.test/hook",
    "ftp://127.0.0.1/hook",
    "127.0.0.1:9000/hook",
    "",
]
REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.1.1:8080/hook",
    "http://[fe80::1]/hook",
    "http://[fd00:ec2::254]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://100.100.100.200/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
    "https://METADATA.GOOGLE.INTERNAL./x",
]


@pytest.fixture(scope="module")
def served() -> Iterator[Sandbox]:
    app = create_app(apis=(SENDING,))
    yield app
    app.close()


@pytest.fixture
def control(served: Sandbox) -> Iterator[httpx.Client]:
    served.webhooks.unregister(SENDING)
    with sync_client(served, base_url="http://sandbox/__sandbox__") as client:
        yield client


def _registered(control: httpx.Client) -> list[str]:
    urls: list[str] = control.get(f"/webhooks/{SENDING}").json()["urls"]
    return urls


@pytest.mark.parametrize("url", MALFORMED + REFUSED)
def test_a_malformed_or_refused_url_is_a_400_problem_and_nothing_is_registered(
    control: httpx.Client, url: str
) -> None:
    response = control.post(f"/webhooks/{SENDING}", json={"url": url})

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400
    assert _registered(control) == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://[::1]:9/hook", "https://10.1.2.3/hook", "http://localhost:9/x"]
)
def test_loopback_and_private_receivers_are_accepted(control: httpx.Client, url: str) -> None:
    response = control.post(f"/webhooks/{SENDING}", json={"url": url})

    assert response.status_code == 200, response.text
    assert _registered(control) == [url]


def test_a_host_named_by_allow_webhook_host_is_accepted() -> None:
    allowed = create_app(apis=(SENDING,), allow_webhook_hosts=("169.254.169.254", "[fe80::1]"))
    with sync_client(allowed, base_url="http://sandbox/__sandbox__") as control:
        for url in ("http://169.254.169.254/hook", "http://[fe80::1]/hook"):
            assert control.post(f"/webhooks/{SENDING}", json={"url": url}).status_code == 200
        # Allowing one host opens no other.
        assert control.post(f"/webhooks/{SENDING}", json={"url": "http://169.254.1.1/"}).status_code == 400
        assert _registered(control) == ["http://169.254.169.254/hook", "http://[fe80::1]/hook"]
    allowed.close()


@pytest.mark.parametrize("url", MALFORMED[:11])
def test_serve_refuses_a_malformed_webhook_url_as_a_usage_error(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["serve", "--api", SENDING, "--webhook", f"{SENDING}={url}"])

    assert exited.value.code == 2
    assert "--webhook" in capsys.readouterr().err


@pytest.mark.parametrize("url", REFUSED)
def test_serve_refuses_a_webhook_to_a_refused_host_as_a_usage_error(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(["serve", "--api", SENDING, "--webhook", f"{SENDING}={url}"])

    with pytest.raises(SystemExit) as exited:
        _check_webhooks(args)  # what serve checks before it starts

    assert exited.value.code == 2
    assert "--allow-webhook-host" in capsys.readouterr().err


def test_serve_takes_a_refused_host_named_by_allow_webhook_host() -> None:
    hook = f"{SENDING}=http://169.254.169.254/hook"
    argv = ["serve", "--api", SENDING, "--webhook", hook, "--allow-webhook-host", "169.254.169.254"]
    args = build_parser().parse_args(argv)

    _check_webhooks(args)
    assert create_app(options_from_args(args)).webhooks.urls(SENDING) == ["http://169.254.169.254/hook"]


class Names:
    """A resolver the test controls: host name -> addresses (tests never resolve real names)."""

    def __init__(self, **names: list[str]) -> None:
        self.names = {k.replace("_", "."): v for k, v in names.items()}

    def __call__(self, host: str) -> list[str]:
        return self.names.get(host, [])


def test_a_name_that_resolves_into_a_refused_range_is_refused_at_registration() -> None:
    names = Names(hook_test=["127.0.0.1", "169.254.169.254"])
    hooks = Webhooks(Journal(), {SENDING: (EVENT,)}, policy=WebhookPolicy.of(resolve=names))

    with pytest.raises(InvalidWebhookUrl, match=r"resolves to 169\.254\.169\.254"):
        hooks.register(SENDING, "http://hook.test/x")
    assert hooks.urls(SENDING) == []


def _failed_delivery(names: Names, url: str, rebound: list[str] | None = None) -> str:
    """Register ``url`` (``names`` resolving), rebind its host if asked, emit: the delivery's error."""
    journal = Journal()
    hooks = Webhooks(journal, {SENDING: (EVENT,)}, policy=WebhookPolicy.of(resolve=names))
    hooks.register(SENDING, url)
    if rebound is not None:
        names.names[url.split("/")[2].split(":")[0]] = rebound
    hooks.emit(SENDING, EVENT, {"id": "1"})
    assert hooks.join()
    hooks.close()
    (entry,) = journal.entries(kind="webhook")
    assert entry.status == 0
    assert entry.error is not None
    return entry.error


def test_a_name_rebound_into_a_refused_range_after_registration_gets_no_delivery() -> None:
    error = _failed_delivery(Names(hook_test=["127.0.0.1"]), "http://hook.test:9/x", ["169.254.169.254"])

    assert "169.254.169.254" in error


def test_a_delivery_goes_to_the_address_checked_under_the_url_s_own_host_name() -> None:
    names = Names(hook_test=["127.0.0.1"])
    journal = Journal()
    hooks = Webhooks(journal, {SENDING: (EVENT,)}, policy=WebhookPolicy.of(resolve=names))
    with WebhookReceiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        hooks.register(SENDING, f"http://hook.test:{port}/webhook")
        hooks.emit(SENDING, EVENT, {"id": "1"})
        delivery = receiver.wait_for(event=EVENT, timeout=5)
    hooks.close()

    assert delivery.headers["host"] == f"hook.test:{port}"
    assert [e.status for e in journal.entries(kind="webhook")] == [200]


def test_a_name_that_does_not_resolve_yet_is_judged_at_delivery() -> None:
    assert "does not resolve" in _failed_delivery(Names(), "http://later.test/x")
