"""Where webhooks may go: absolute http(s) URLs, never link-local or cloud metadata addresses.

A sandbox reachable from a network must not relay requests into it: a webhook to
``http://169.254.169.254/...`` would read a cloud machine's credentials. So a target is refused when
its host is a metadata name, or when its address (the literal, or every address its name resolves
to) is link-local or a metadata address, unless ``--allow-webhook-host`` names it. Names are resolved
when the URL is registered and again at each delivery, and the delivery connects to an address that
was checked (``WebhookPolicy.addresses``), so a name that later resolves elsewhere (DNS rebinding)
cannot slip through. Loopback and private addresses stay allowed: a receiver on the same machine or
network is what webhooks are for.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from .errors import SandboxError

# host name -> its addresses (an empty list when it does not resolve).
Resolve = Callable[[str], Sequence[str]]

_EXAMPLE = "http://127.0.0.1:9000/hook"
LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
# Metadata services outside the link-local ranges: AWS over IPv6, Alibaba Cloud, Oracle Cloud.
METADATA_ADDRESSES = (
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
    ipaddress.ip_network("192.0.0.192/32"),
)
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)


class InvalidWebhookUrl(ValueError, SandboxError):
    """A webhook URL that is not an absolute http(s) URL, or that points where webhooks may not go."""


def system_resolve(host: str) -> list[str]:
    """The addresses ``host`` resolves to on this machine, in the resolver's order; [] if none."""
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in found))


@dataclass(frozen=True, slots=True)
class Target:
    """A webhook URL, parsed: its scheme, host (lower case, IPv6 without brackets) and port."""

    url: str
    scheme: str
    host: str
    port: int


def parse_target(url: str) -> Target:
    """``url`` as a ``Target``; ``InvalidWebhookUrl`` when it is not an absolute http(s) URL."""

    def invalid(why: str) -> InvalidWebhookUrl:
        return InvalidWebhookUrl(f"a webhook URL must be an absolute http(s) URL, e.g. {_EXAMPLE}; {why}")

    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise invalid(f"{url!r} holds a space or a control character")
    try:
        parts = urlsplit(url)
        port = parts.port
        httpx.URL(url)  # what the delivery will send to must parse there too
    except (ValueError, httpx.InvalidURL) as exc:
        raise invalid(f"{url!r} does not parse: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise invalid(f"got {url!r}")
    if not parts.hostname:
        raise invalid(f"{url!r} names no host")
    if port == 0:
        raise invalid(f"{url!r} names port 0")
    default = 443 if parts.scheme == "https" else 80
    return Target(url, parts.scheme, parts.hostname.lower().rstrip("."), port or default)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def refused_range(text: str) -> str | None:
    """Why an address may not receive webhooks (link-local, metadata), or None when it may."""
    address = _address(text)
    if address is None:
        return None
    if any(address in network for network in LINK_LOCAL):
        return f"{text} is link-local (where cloud metadata services answer)"
    if any(address in network for network in METADATA_ADDRESSES):
        return f"{text} is a cloud metadata address"
    return None


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """Which webhook targets are accepted.

    Args:
        allowed: hosts (names or addresses, as written in URLs or as names resolve) accepted even in a
            refused range (``--allow-webhook-host``).
        resolve: host name -> addresses (tests give their own: they never resolve real names).
    """

    allowed: frozenset[str] = frozenset()
    resolve: Resolve = field(default=system_resolve)

    @classmethod
    def of(cls, allowed: Iterable[str] = (), resolve: Resolve = system_resolve) -> WebhookPolicy:
        return cls(frozenset(_host(h) for h in allowed), resolve)

    def _refusal(self, target: Target, addresses: Sequence[str]) -> str | None:
        if target.host in self.allowed:
            return None
        if target.host in METADATA_HOSTS:
            return f"{target.host} is a cloud metadata host"
        for address in addresses:
            why = refused_range(address)
            if why is not None and _host(address) not in self.allowed:
                return why if address == target.host else f"{target.host} resolves to {why}"
        return None

    def _refuse(self, target: Target, why: str) -> InvalidWebhookUrl:
        return InvalidWebhookUrl(
            f"webhooks may not go to {target.url!r}: {why}; "
            f"name the host with --allow-webhook-host {target.host} to allow it"
        )

    def check(self, url: str) -> Target:
        """``url`` parsed, its host accepted (a name is resolved now; one that does not resolve yet is
        judged at delivery); ``InvalidWebhookUrl`` otherwise."""
        target = parse_target(url)
        literal = _address(target.host) is not None
        addresses = [target.host] if literal else list(self.resolve(target.host))
        why = self._refusal(target, addresses)
        if why is not None:
            raise self._refuse(target, why)
        return target

    def addresses(self, target: Target) -> list[str]:
        """Where a delivery to ``target`` may connect now: its checked addresses (the literal, or what its
        name resolves to, each outside the refused ranges); ``InvalidWebhookUrl`` if none."""
        if _address(target.host) is not None:
            found = [target.host]
        else:
            found = list(self.resolve(target.host))
            if not found:
                raise InvalidWebhookUrl(f"{target.host} does not resolve")
        why = self._refusal(target, found)
        if why is not None:
            raise self._refuse(target, why)
        return found


def _host(text: str) -> str:
    return text.strip().strip("[]").lower().rstrip(".")


def pinned(target: Target, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The URL, headers and request extensions that send to ``target`` at ``address`` (already
    checked) under the target's own name: ``Host`` and, for https, the TLS server name."""
    url = httpx.URL(target.url)
    if address == target.host:
        return url, {}, {}
    headers = {"Host": url.netloc.decode("ascii").rpartition("@")[2]}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return url.copy_with(host=address), headers, extensions


__all__ = [
    "InvalidWebhookUrl",
    "Target",
    "WebhookPolicy",
    "parse_target",
    "pinned",
    "refused_range",
    "system_resolve",
]
