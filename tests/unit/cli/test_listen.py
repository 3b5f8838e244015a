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
