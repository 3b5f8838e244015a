from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from hookline.delivery.egress import EgressPolicy, VettedResolver
from hookline.delivery.transport import (
    AiohttpTransport,
    MockTransport,
    OutboundRequest,
    OutboundResponse,
)


@dataclass
class Seen:
    method: str
    path_qs: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    base: str
    seen: list[Seen] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    release = asyncio.Event()
    state = Receiver(base="")

    async def record(request: web.Request) -> None:
        state.seen.append(
            Seen(request.method, request.path_qs, dict(request.headers), await request.read())
        )

    async def ok(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(text="hello", headers={"X-Reply": "yes"})

    async def fail(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(status=500, text="boom")

    async def redirect(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(status=302, headers={"Location": "/ok"})

    async def slow(request: web.Request) -> web.Response:
        await record(request)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(release.wait(), 2.0)
        return web.Response(text="late")

    async def trickle(request: web.Request) -> web.StreamResponse:
        await record(request)
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(30):
            if release.is_set():
                break
            await response.write(b"x")
            await asyncio.sleep(0.05)
        return response

    async def sized(request: web.Request) -> web.Response:
        return web.Response(body=b"a" * int(request.match_info["n"]))

    async def cookie(request: web.Request) -> web.Response:
        await record(request)
        response = web.Response(text="c")
        response.set_cookie("session", "secret")
        return response

    app = web.Application()
    app.router.add_route("*", "/ok", ok)
    app.router.add_post("/fail", fail)
    app.router.add_post("/redirect", redirect)
    app.router.add_post("/slow", slow)
    app.router.add_post("/trickle", trickle)
    app.router.add_get("/sized/{n}", sized)
    app.router.add_get("/cookie", cookie)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.base = f"http://127.0.0.1:{port}"
    yield state
    release.set()
    await runner.cleanup()


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpTransport]:
    client = AiohttpTransport(body_cap=1024)
    yield client
    await client.close()


HEADERS = (
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("X-Twilio-Signature", "c2lnbmF0dXJl"),
    ("I-Twilio-Idempotency-Token", "tok-1"),
    ("User-Agent", "TwilioProxy/1.1"),
    ("Accept", "*/*"),
)


def post(url: str, **timeouts: float) -> OutboundRequest:
    return OutboundRequest("POST", url, HEADERS, b"Body=hi&EventType=onMessageAdded", **timeouts)


async def test_200_returns_status_headers_body_and_sends_exact_request(
    receiver: Receiver, transport: AiohttpTransport
) -> None:
    url = f"{receiver.base}/ok?a=%7e&b=x%2Fy"
    response = await transport.send(post(url))
    assert response.status == 200
    assert response.ok
    assert response.body == b"hello"
    assert response.header("x-reply") == "yes"
    assert response.error is None and response.error_kind is None
    assert response.elapsed_ms > 0
    [seen] = receiver.seen
    assert seen.method == "POST"
    assert seen.path_qs == "/ok?a=%7e&b=x%2Fy"
    assert seen.body == b"Body=hi&EventType=onMessageAdded"
    for name, value in HEADERS:
        assert seen.headers[name] == value


async def test_get_sends_no_body_and_no_content_type(
    receiver: Receiver, transport: AiohttpTransport
) -> None:
    request = OutboundRequest("GET", f"{receiver.base}/ok?A=1", HEADERS[1:])
    response = await transport.send(request)
    assert response.status == 200
    [seen] = receiver.seen
    assert seen.method == "GET" and seen.body == b""
    assert "Content-Type" not in seen.headers


async def test_500_is_a_response_not_an_error(
    receiver: Receiver, transport: AiohttpTransport
) -> None:
    response = await transport.send(post(f"{receiver.base}/fail"))
    assert response.status == 500
    assert not response.ok
    assert response.body == b"boom"
    assert response.error_kind is None


async def test_redirects_are_not_followed(receiver: Receiver, transport: AiohttpTransport) -> None:
    response = await transport.send(post(f"{receiver.base}/redirect"))
    assert response.status == 302
    assert response.header("Location") == "/ok"
    assert [seen.path_qs for seen in receiver.seen] == ["/redirect"]


async def test_read_timeout_is_classified_read(
    receiver: Receiver, transport: AiohttpTransport
) -> None:
    response = await transport.send(
        post(f"{receiver.base}/slow", read_timeout=0.2, total_timeout=5.0)
    )
    assert response.status is None
    assert response.error_kind == "read"
    assert response.error is not None and "read timeout" in response.error
    assert response.elapsed_ms < 1900


async def test_total_timeout_while_body_trickles_is_classified_total(
    receiver: Receiver, transport: AiohttpTransport
) -> None:
    response = await transport.send(
        post(f"{receiver.base}/trickle", read_timeout=1.0, total_timeout=0.4)
    )
    assert response.status is None
    assert response.error_kind == "total"
    assert response.elapsed_ms < 1400


async def test_total_timeout_before_a_connection_is_classified_connect(
    transport: AiohttpTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never_resolves(*args: object, **kwargs: object) -> list[object]:
        await asyncio.sleep(60)
        return []

    monkeypatch.setattr(VettedResolver, "resolve", never_resolves)
    # The total timeout ends the request while it is still looking for the host.
    response = await transport.send(post("http://receiver.test/x", total_timeout=0.3))
    assert response.status is None
    assert response.error_kind == "connect"
    assert response.error == "total timeout (0.3 s)"


async def test_connection_refused_is_classified_connect(transport: AiohttpTransport) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    response = await transport.send(post(f"http://127.0.0.1:{port}/x", connect_timeout=1.0))
    assert response.status is None
    assert response.error_kind == "connect"
    assert response.error


async def test_body_is_capped(receiver: Receiver, transport: AiohttpTransport) -> None:
    big = await transport.send(OutboundRequest("GET", f"{receiver.base}/sized/200000"))
    assert big.status == 200
    assert len(big.body) == 1024
    assert big.truncated
    exact = await transport.send(OutboundRequest("GET", f"{receiver.base}/sized/1024"))
    assert len(exact.body) == 1024
    assert not exact.truncated


async def test_default_cap_is_64_kib(receiver: Receiver) -> None:
    client = AiohttpTransport()
    try:
        response = await client.send(OutboundRequest("GET", f"{receiver.base}/sized/100000"))
    finally:
        await client.close()
    assert len(response.body) == 64 * 1024
    assert response.truncated


async def test_cookies_are_not_carried_between_requests(
    receiver: Receiver, transport: AiohttpTransport
) -> None:
    # By name: aiohttp's default jar would silently ignore cookies from an IP address.
    url = receiver.base.replace("127.0.0.1", "localhost") + "/cookie"
    first = await transport.send(OutboundRequest("GET", url))
    await transport.send(OutboundRequest("GET", url))
    assert first.header("Set-Cookie") is not None
    assert len(receiver.seen) == 2
    assert all("Cookie" not in seen.headers for seen in receiver.seen)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_public_only_refuses_loopback_without_connecting(
    receiver: Receiver, host: str
) -> None:
    client = AiohttpTransport(EgressPolicy.PUBLIC_ONLY)
    url = receiver.base.replace("127.0.0.1", host) + "/ok"
    try:
        response = await client.send(post(url))
    finally:
        await client.close()
    assert response.status is None
    assert response.error_kind == "egress"
    assert response.error is not None and "public-only" in response.error
    assert receiver.seen == []


async def test_metadata_literal_is_refused_in_local_mode(transport: AiohttpTransport) -> None:
    response = await transport.send(post("http://169.254.169.254/latest/meta-data/"))
    assert response.error_kind == "egress"
    assert response.error is not None and "metadata" in response.error


async def test_unsupported_scheme_is_other(transport: AiohttpTransport) -> None:
    response = await transport.send(post("ftp://127.0.0.1/file"))
    assert response.status is None
    assert response.error_kind == "other"


async def test_transport_works_again_after_close(
    receiver: Receiver, transport: AiohttpTransport
) -> None:
    assert (await transport.send(post(f"{receiver.base}/ok"))).status == 200
    await transport.close()
    assert (await transport.send(post(f"{receiver.base}/ok"))).status == 200


async def test_mock_transport_records_and_answers_sync_and_async() -> None:
    default = MockTransport()
    request = post("https://example.com/hook")
    assert (await default.send(request)).status == 200
    assert default.requests == [request]

    sync = MockTransport(lambda r: OutboundResponse(503, body=r.url.encode()))
    answer = await sync.send(request)
    assert (answer.status, answer.body) == (503, b"https://example.com/hook")

    async def handler(r: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(None, error="refused", error_kind="connect")

    failing = MockTransport(handler)
    assert (await failing.send(request)).error_kind == "connect"
    await failing.close()
    assert failing.closed
