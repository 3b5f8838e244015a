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
