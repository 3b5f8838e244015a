"""The API baseline: the fastest plain Python stack a user could pick for hookline's job —
Starlette on uvicorn with ``uvloop`` and ``httptools``.

It does what any HTTP API must do for ``POST /v1/Conversations/{CH}/Messages`` — read Basic
auth, parse the same form, build a message-shaped JSON (about 600 bytes, like Twilio's) and
answer 201 — and nothing hookline does beyond that (no database, no events).
``python -m bench.baseline --port P``; needs ``pip install uvloop httptools``.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import secrets
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_index = itertools.count()


async def create_message(request: Request) -> Response:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return JSONResponse({"code": 20003, "status": 401}, status_code=401)
    account_sid, _, _ = base64.b64decode(encoded).decode().partition(":")
    form = await request.form()
    conversation_sid = request.path_params["ConversationSid"]
    sid = "IM" + secrets.token_hex(16)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = str(request.base_url).rstrip("/")
    url = f"{base}/v1/Conversations/{conversation_sid}/Messages/{sid}"
    body = {
        "sid": sid,
        "account_sid": account_sid,
        "chat_service_sid": "IS" + "0" * 32,
        "conversation_sid": conversation_sid,
        "body": form.get("Body"),
        "author": form.get("Author") or "system",
        "attributes": form.get("Attributes") or "{}",
        "participant_sid": None,
        "media": None,
        "index": next(_index),
        "date_created": now,
        "date_updated": now,
        "delivery": None,
        "content_sid": None,
        "url": url,
        "links": {"delivery_receipts": f"{url}/Receipts", "channel_metadata": f"{url}/Channel"},
    }
    return JSONResponse(body, status_code=201)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/v1/Conversations/{ConversationSid}/Messages", create_message, methods=["POST"]),
        Route("/health", health),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level=args.log_level,
        loop="uvloop",
        http="httptools",
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
