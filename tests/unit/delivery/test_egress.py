from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from hookline.delivery.egress import (
    EgressPolicy,
    EgressRefused,
    VettedResolver,
    parse_ip,
    refusal,
    vet,
)

PUBLIC = EgressPolicy.PUBLIC_ONLY
LOCAL = EgressPolicy.LOCAL

NON_PUBLIC = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.10", "private"),
    ("169.254.10.10", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.251", "multicast"),
    ("239.1.2.3", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.5", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("2001:0:4136:e378::1", "Teredo"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:192.168.0.1", "private"),
    ("64:ff9b::a00:1", "private"),
    ("2002:c0a8:101::1", "private"),
    ("2002:7f00:1::1", "loopback"),
]

GLOBAL = [
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.1",
    "172.32.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "2002:808:808::1",
]

METADATA = [
    "169.254.169.254",
    "169.254.170.2",
    "fd00:ec2::254",
    "100.100.100.200",
    "168.63.129.16",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
]


@pytest.mark.parametrize(("address", "label"), NON_PUBLIC)
def test_public_only_refuses_non_public_addresses(address: str, label: str) -> None:
    reason = refusal(address, PUBLIC)
    assert reason is not None
    assert label in reason
    assert "public-only" in reason


@pytest.mark.parametrize(("address", "label"), NON_PUBLIC)
def test_local_allows_private_and_loopback(address: str, label: str) -> None:
    assert refusal(address, LOCAL) is None


@pytest.mark.parametrize("address", GLOBAL)
def test_public_addresses_are_allowed_in_both_modes(address: str) -> None:
    assert refusal(address, PUBLIC) is None
    assert refusal(address, LOCAL) is None


@pytest.mark.parametrize("address", METADATA)
@pytest.mark.parametrize("policy", [LOCAL, PUBLIC])
def test_metadata_is_refused_in_every_mode(address: str, policy: EgressPolicy) -> None:
    reason = refusal(address, policy)
    assert reason is not None and "metadata" in reason


@pytest.mark.parametrize("address", METADATA)
def test_metadata_can_be_allowed_explicitly(address: str) -> None:
    assert refusal(address, LOCAL, allow_metadata=True) is None


def test_allowing_metadata_does_not_open_private_ranges() -> None:
    reason = refusal("169.254.169.254", PUBLIC, allow_metadata=True)
    assert reason is not None and "link-local" in reason


def test_zone_ids_are_ignored_for_classification() -> None:
    assert refusal("fe80::1%lo", PUBLIC) is not None
    assert refusal("fe80::1%lo", LOCAL) is None


def test_policy_from_setting_strings() -> None:
    assert EgressPolicy("local") is LOCAL
    assert EgressPolicy("public-only") is PUBLIC
    assert EgressPolicy("Public_Only") is PUBLIC
    with pytest.raises(ValueError):
        EgressPolicy("anywhere")


def test_parse_ip() -> None:
    assert str(parse_ip("[::1]")) == "::1"
    assert str(parse_ip("10.0.0.1")) == "10.0.0.1"
    assert parse_ip("example.com") is None
    assert parse_ip("localhost") is None


async def test_vet_ip_literals_without_dns() -> None:
    assert await vet("10.0.0.1", 80, LOCAL) == ["10.0.0.1"]
    assert await vet("[::1]", 80, LOCAL) == ["::1"]
    assert await vet("8.8.8.8", 443, PUBLIC) == ["8.8.8.8"]
    with pytest.raises(EgressRefused, match="private"):
        await vet("10.0.0.1", 80, PUBLIC)
    with pytest.raises(EgressRefused, match="metadata"):
        await vet("169.254.169.254", 80, LOCAL)
    assert await vet("169.254.169.254", 80, LOCAL, allow_metadata=True) == ["169.254.169.254"]


async def test_vet_localhost_by_mode() -> None:
    addresses = await vet("localhost", 80, LOCAL)
    assert addresses
    assert set(addresses) <= {"127.0.0.1", "::1"}
    with pytest.raises(EgressRefused, match="localhost resolves to a refused address"):
        await vet("localhost", 80, PUBLIC)


@pytest.mark.parametrize("name", ["metadata.google.internal", "METADATA.google.internal."])
async def test_metadata_names_are_refused_before_any_lookup(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("must not resolve")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_dns)
    with pytest.raises(EgressRefused, match="metadata"):
        await vet(name, 80, LOCAL)


def _answers(*addresses: str) -> Any:
    async def getaddrinfo(host: str, port: int, **kwargs: Any) -> list[Any]:
        infos: list[Any] = []
        for address in addresses:
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return infos

    return getaddrinfo


async def test_a_name_with_any_refused_address_is_refused_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", _answers("93.184.216.34", "10.0.0.7"))
    with pytest.raises(EgressRefused, match=r"rebind\.example resolves .*10\.0\.0\.7"):
        await vet("rebind.example", 443, PUBLIC)


async def test_public_answers_are_returned_once_each(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(
        loop, "getaddrinfo", _answers("93.184.216.34", "93.184.216.34", "2606:2800:220:1::1")
    )
    assert await vet("example.org", 443, PUBLIC) == ["93.184.216.34", "2606:2800:220:1::1"]


async def test_resolver_returns_numeric_results_of_vetted_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", _answers("93.184.216.34", "2606:2800:220:1::1"))
    resolver = VettedResolver(PUBLIC)
    results = await resolver.resolve("example.org", 443, socket.AF_UNSPEC)
    assert [(r["host"], r["port"], r["family"], r["hostname"]) for r in results] == [
        ("93.184.216.34", 443, socket.AF_INET, "example.org"),
        ("2606:2800:220:1::1", 443, socket.AF_INET6, "example.org"),
    ]
    assert all(r["flags"] & socket.AI_NUMERICHOST for r in results)
    await resolver.close()


async def test_resolver_refuses_what_vet_refuses() -> None:
    with pytest.raises(EgressRefused):
        await VettedResolver(PUBLIC).resolve("localhost", 80, socket.AF_UNSPEC)
    results = await VettedResolver(LOCAL).resolve("localhost", 80, socket.AF_INET)
    assert [r["host"] for r in results] == ["127.0.0.1"]
