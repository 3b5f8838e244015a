"""``OriginGuard``: foreign Host names and cross-site state-changing requests get 403
Twilio error JSON and never reach the app; everything else does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from hookline.web.origin_guard import (
    HostPolicy,
    OriginGuard,
    default_allowed_hosts,
    parse_allowed_hosts,
    split_host,
)
from tests.support.asgi import asgi_request

LOCAL = default_allowed_hosts("127.0.0.1", None)


async def _call(
    guard_hosts: list[str],
    method: str,
    headers: dict[str, str],
    public_url: str | None = None,
) -> tuple[int, Any, list[str]]:
    reached: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["path"])
        await PlainTextResponse("done")(scope, receive, send)

    guard = OriginGuard(app, HostPolicy(guard_hosts), public_url)
    status, body = await asgi_request(guard, method, "/_hookline/reset", headers)
    return status, (json.loads(body) if status == 403 else body.decode()), reached


HOST = {"Host": "127.0.0.1:8080"}


@pytest.mark.parametrize(
    "headers",
    [
        HOST | {"Origin": "http://evil.example"},
        HOST | {"Origin": "null"},
        HOST | {"Origin": "http://127.0.0.1:3000"},  # another app on this machine
        HOST | {"Origin": "http://localhost:8080"},  # not the origin the request names
        HOST | {"Sec-Fetch-Site": "cross-site"},
        HOST | {"Sec-Fetch-Site": "same-site"},
    ],
)
async def test_a_cross_site_post_is_refused_before_the_app_runs(headers: dict[str, str]) -> None:
    status, body, reached = await _call(LOCAL, "POST", headers)
    assert (status, body["code"], body["status"]) == (403, 20403, 403)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20403"
    assert reached == []


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_every_state_changing_method_is_checked(method: str) -> None:
    status, _, reached = await _call(LOCAL, method, HOST | {"Origin": "http://evil.example"})
    assert (status, reached) == (403, [])


@pytest.mark.parametrize(
    "headers",
    [
        HOST,  # the SDKs, curl, hookline's clients
        HOST | {"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"},
        HOST | {"Sec-Fetch-Site": "same-origin"},
        HOST | {"Sec-Fetch-Site": "none"},  # typed in the address bar
        {},  # no Host at all (HTTP/1.0): not a browser
    ],
)
async def test_same_origin_and_non_browser_posts_reach_the_app(headers: dict[str, str]) -> None:
    assert await _call(LOCAL, "POST", headers) == (200, "done", ["/_hookline/reset"])


async def test_a_cross_site_get_is_served_the_browser_cannot_read_it() -> None:
    headers = HOST | {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert (await _call(LOCAL, "GET", headers))[0] == 200


async def test_the_public_url_is_an_origin_of_this_server() -> None:
    behind_proxy = {"Host": "hookline.internal:8080", "Origin": "https://hooks.example.com"}
    hosts = ["hookline.internal"]
    status, _, _ = await _call(hosts, "POST", behind_proxy, "https://hooks.example.com")
    assert status == 200
    assert (await _call(hosts, "POST", behind_proxy))[0] == 403


async def test_default_ports_are_the_same_origin() -> None:
    headers = {"Host": "hooks.example.com", "Origin": "https://hooks.example.com"}
    assert (await _call(["hooks.example.com"], "POST", headers))[0] == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.evil.example"])
async def test_a_foreign_host_is_refused_for_every_method(host: str) -> None:
    for method in ("GET", "POST"):
        status, body, reached = await _call(LOCAL, method, {"Host": host})
        assert (status, body["code"], reached) == (403, 20403, [])
        assert "--allowed-hosts" in body["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST"])
async def test_loopback_names_are_served_by_default(host: str) -> None:
    assert (await _call(LOCAL, "GET", {"Host": host}))[0] == 200


def test_defaults_follow_the_bound_address_and_the_public_url() -> None:
    assert default_allowed_hosts("127.0.0.1", None) == ["localhost", "127.0.0.1", "::1"]
    named = default_allowed_hosts("10.1.2.3", "https://Hooks.Example.com/base")
    assert named[-2:] == ["10.1.2.3", "hooks.example.com"]
    everywhere = HostPolicy(default_allowed_hosts("0.0.0.0", None))
    assert everywhere.allows("192.168.1.20") and everywhere.allows("fe80::1")
    assert not everywhere.allows("evil.example")


def test_allowed_host_patterns() -> None:
    policy = HostPolicy(parse_allowed_hosts("hooks.example.com, *.svc.local"))
    assert policy.allows("hooks.example.com") and policy.allows("a.svc.local")
    assert not policy.allows("svc.local.evil") and not policy.allows("127.0.0.1")
    assert HostPolicy(parse_allowed_hosts("*")).allows("anything.at.all")
    for bad in ("", "a.*.com", "*example.com", "example.com:8080"):
        with pytest.raises(ValueError):
            parse_allowed_hosts(bad)


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("Example.com:80", ("example.com", 80)),
        ("[::1]:8080", ("::1", 8080)),
        ("[::1]", ("::1", None)),
        ("host", ("host", None)),
        ("host:x", None),
        ("[::1", None),
        ("", None),
    ],
)
def test_split_host(value: str, parsed: tuple[str, int | None] | None) -> None:
    assert split_host(value) == parsed
