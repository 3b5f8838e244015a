"""Where webhook requests may go.

``local`` (default) lets receivers on loopback and private networks through: that is where
a developer's receiver usually runs. ``public-only`` is for shared deployments, where a
tenant's webhook URL must not reach the server's own network: names are resolved here,
every address is checked, and the connection goes only to an address that passed (see
:class:`VettedResolver`), so a DNS answer cannot change between check and connect.

Cloud metadata endpoints hand out credentials, so they are refused in every mode unless
``allow_metadata`` is set.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressPolicy(enum.Enum):
    LOCAL = "local"
    PUBLIC_ONLY = "public-only"

    @classmethod
    def _missing_(cls, value: object) -> EgressPolicy | None:
        if isinstance(value, str):
            text = value.strip().lower().replace("_", "-")
            for member in cls:
                if member.value == text:
                    return member
        return None


class EgressRefused(Exception):
    """The destination is not allowed under the egress policy."""


METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(text)
    for text in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean …
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS Pod Identity agent
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS EKS Pod Identity agent over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer
    )
)


def _nets(*pairs: tuple[str, str]) -> tuple[tuple[ipaddress.IPv4Network, str], ...]:
    return tuple((ipaddress.IPv4Network(net), label) for net, label in pairs)


def _nets6(*pairs: tuple[str, str]) -> tuple[tuple[ipaddress.IPv6Network, str], ...]:
    return tuple((ipaddress.IPv6Network(net), label) for net, label in pairs)


# Explicit tables rather than ipaddress.is_global, whose answers changed between Python
# patch releases.
NON_PUBLIC_V4 = _nets(
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
)
NON_PUBLIC_V6 = _nets6(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/8", "reserved"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/23", "IETF protocol assignments (incl. Teredo)"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one really reaches (mapped, NAT64, 6to4), if any."""
    if address in _MAPPED or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _non_public(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_v4(address)
        if inner is not None:
            label = _non_public(inner)
            return f"{label}, embedded in {address}" if label else None
        for net6, label in NON_PUBLIC_V6:
            if address in net6:
                return f"{label} {net6}"
        return None
    for net4, label in NON_PUBLIC_V4:
        if address in net4:
            return f"{label} {net4}"
    return None


def _is_metadata(address: IPAddress) -> bool:
    if address in METADATA_ADDRESSES:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_v4(address)
        return inner is not None and inner in METADATA_ADDRESSES
    return False


def parse_ip(host: str) -> IPAddress | None:
    """The address if ``host`` is an IP literal (``[…]`` and IPv6 zone allowed), else None."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def refusal(
    address: IPAddress | str, policy: EgressPolicy, *, allow_metadata: bool = False
) -> str | None:
    """Why ``address`` may not be contacted under ``policy``; None when it may."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    if not allow_metadata and _is_metadata(ip):
        return f"{ip} is a cloud metadata endpoint (refused unless metadata is allowed)"
    if policy is EgressPolicy.PUBLIC_ONLY:
        label = _non_public(ip)
        if label:
            return f"{ip} is not public ({label}); egress policy is public-only"
    return None


def _normal_name(host: str) -> str:
    return host.strip().rstrip(".").lower()


async def vet(
    host: str,
    port: int,
    policy: EgressPolicy,
    *,
    allow_metadata: bool = False,
    family: int = socket.AF_UNSPEC,
) -> list[str]:
    """The addresses ``host`` may be reached at, resolved here; raises EgressRefused.

    A name is refused as a whole if any of its addresses is refused: a mix of public and
    private answers is how DNS rebinding tricks a single check.
    """
    literal = parse_ip(host)
    if literal is not None:
        reason = refusal(literal, policy, allow_metadata=allow_metadata)
        if reason:
            raise EgressRefused(reason)
        return [str(literal)]
    name = _normal_name(host)
    if not allow_metadata and name in METADATA_NAMES:
        raise EgressRefused(f"{name} is a cloud metadata endpoint (refused unless allowed)")
    infos = await asyncio.get_running_loop().getaddrinfo(
        name, port, family=family, type=socket.SOCK_STREAM
    )
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        text = str(sockaddr[0])
        reason = refusal(text, policy, allow_metadata=allow_metadata)
        if reason:
            raise EgressRefused(f"{name} resolves to a refused address: {reason}")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise EgressRefused(f"{name} has no addresses to connect to")
    return addresses


class VettedResolver(AbstractResolver):
    """aiohttp resolver that only ever returns addresses :func:`vet` allowed."""

    def __init__(self, policy: EgressPolicy, *, allow_metadata: bool = False) -> None:
        self.policy = policy
        self.allow_metadata = allow_metadata

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await vet(
            host, port, self.policy, allow_metadata=self.allow_metadata, family=family
        )
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                # Numeric flags: the connector must not resolve the vetted address again.
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release: resolution runs on the event loop's executor."""
