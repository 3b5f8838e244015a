"""One HTTP request through an ASGI app in the test's own event loop, no network."""

from __future__ import annotations

from typing import Any


async def asgi_response(
    app: Any, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """The status, headers (lower-case names) and body of ``method path`` with
    ``headers`` (an empty body is sent)."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "scheme": "http",
        "server": ("test", 80),
        "client": ("test", 1),
        "http_version": "1.1",
        "root_path": "",
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    found = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], found, body


async def asgi_request(
    app: Any, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """The status and body of ``method path`` with ``headers`` (an empty body is sent)."""
    status, _, body = await asgi_response(app, method, path, headers)
    return status, body
