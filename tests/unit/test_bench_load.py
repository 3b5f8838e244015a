"""The signing baseline does the whole job it stands for: every request it sends carries
the recorded parameters, form-encoded, and a signature twilio's own validator accepts.
A cheaper or wrong signature would make hookline's ratio against it look better."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web
from twilio.request_validator import RequestValidator

from bench.load import LoadSpec, generate
from hookline.delivery.headers import USER_AGENT

TOKEN = "12345678901234567890123456789012"
#: The User-Agent of each request ``_received`` saw.
agents: list[str] = []
BODIES = [
    {"EventType": "onMessageAdded", "Body": "héllo & more", "Index": "0", "Empty": ""},
    {"EventType": "onMessageAdded", "Body": "second", "Attributes": '{"a": 1}'},
]


async def _received(tmp_path: Path, sign_with: str) -> list[tuple[str, dict[str, str], str]]:
    """(signature, form, url) of each request the load client sent to a local server."""
    seen: list[tuple[str, dict[str, str], str]] = []
    agents.clear()

    async def hook(request: web.Request) -> web.Response:
        form = {name: str(value) for name, value in (await request.post()).items()}
        seen.append((request.headers.get("X-Twilio-Signature", ""), form, str(request.url)))
        agents.append(request.headers.get("User-Agent", ""))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    bodies = tmp_path / "bodies.txt"
    bodies.write_text("\n".join(urlencode(body) for body in BODIES) + "\n")
    try:
        url = f"http://127.0.0.1:{port}/hook"
        spec = LoadSpec([url], concurrency=2, bodies_file=str(bodies), sign_with=sign_with)
        summary = await asyncio.wait_for(generate(spec), 30)
    finally:
        await runner.cleanup()
    assert summary["ok"] == len(BODIES)
    return seen


async def test_the_signing_client_sends_the_same_parameters_with_a_valid_signature(
    tmp_path: Path,
) -> None:
    seen = await _received(tmp_path, TOKEN)
    validator = RequestValidator(TOKEN)
    assert sorted(form["Body"] for _, form, _ in seen) == sorted(b["Body"] for b in BODIES)
    for signature, form, url in seen:
        assert form in BODIES
        assert validator.validate(url, form, signature)
        assert not validator.validate(url, {**form, "Body": "tampered"}, signature)
    assert agents == [USER_AGENT] * len(BODIES), "hookline's own headers"


async def test_the_plain_client_posts_the_recorded_bytes_unsigned(tmp_path: Path) -> None:
    seen = await _received(tmp_path, "")
    assert [signature for signature, _, _ in seen] == ["", ""]
    assert sorted(form["Body"] for _, form, _ in seen) == sorted(b["Body"] for b in BODIES)
