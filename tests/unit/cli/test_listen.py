from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from hookline.cli.listen import make_app
from hookline.delivery.signature import sign

TOKEN = "2" * 32


@pytest.fixture
async def client() -> Any:
    app = make_app(TOKEN, "http://hooks.test", 403, '{"reason": "no"}')
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_answers_as_told_and_checks_signatures(
    client: TestClient[Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    params = {"EventType": "onMessageAdd", "Body": "hi"}
    good = sign("http://hooks.test/pre", params, TOKEN)
    response = await client.post("/pre", data=params, headers={"X-Twilio-Signature": good})
    assert response.status == 403 and await response.json() == {"reason": "no"}
    await client.post("/pre", data=params, headers={"X-Twilio-Signature": "forged"})
    out = capsys.readouterr().out
    assert "onMessageAdd" in out
    assert "signature valid" in out and "SIGNATURE INVALID" in out


async def test_a_body_that_looks_like_markup_is_printed_and_answered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = make_app(TOKEN, "http://hooks.test", 200, None)
    params = {"EventType": "onMessageAdd", "Body": "see [link] then [/b]"}
    signature = sign("http://hooks.test/pre", params, TOKEN)
    async with TestClient(TestServer(app)) as test_client:
        response = await test_client.post(
            "/pre", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status == 200
    assert "Body=see [link] then [/b]" in capsys.readouterr().out


async def test_a_sink_request_is_printed_with_its_json_signature_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from hookline.delivery import streams

    app = make_app(TOKEN, "http://hooks.test", 200, None)
    event = {
        "type": "com.twilio.conversations.message.added",
        "id": "EV1",
        "data": {"MessageBody": "see [link] then [/b]"},
    }
    request = streams.request(
        "http://hooks.test/events", "POST", {"cloudevents": [event], "batch": True}, TOKEN, "t"
    )
    path = request.url.removeprefix("http://hooks.test")
    headers = dict(request.headers)
    async with TestClient(TestServer(app)) as test_client:
        good = await test_client.post(path, data=request.body, headers=headers)
        assert good.status == 200
        forged = headers | {"X-Twilio-Signature": "forged"}
        await test_client.post(path, data=request.body, headers=forged)
    out = capsys.readouterr().out
    assert "com.twilio.conversations.message.added" in out and "id=EV1" in out
    assert "see [link] then [/b]" in out
    assert "signature valid" in out and "SIGNATURE INVALID" in out
