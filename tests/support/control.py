"""Plain HTTP calls to a test server's ``/_hookline`` API (and raw ``/v1`` where the SDK
cannot express a request)."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from tests.support.server import ServerProcess


def call(
    server: ServerProcess,
    method: str,
    path: str,
    data: dict[str, Any] | list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> tuple[int, Any]:
    """Send one request; returns (status, parsed JSON or None). Never raises on HTTP errors."""
    user, password = auth or (server.account_sid, server.auth_token)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    url = server.base_url + path
    body = None
    if data is not None and method == "GET":
        url += "?" + urlencode(data, doseq=True)
    elif data is not None:
        body = urlencode(data, doseq=True).encode()
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Basic {token}")
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def deliveries(server: ServerProcess, **filters: str) -> list[dict[str, Any]]:
    status, body = call(server, "GET", "/_hookline/deliveries", filters or None)
    assert status == 200, body
    return list(body["deliveries"])


def recorded(
    server: ServerProcess, sid: str, attempts: int = 1, timeout: float = 30.0
) -> dict[str, Any]:
    """A delivery's detail once ``attempts`` attempts are recorded and none is in flight.
    The record is committed after the receiver answers, so a test that has just seen a
    request at its receiver waits here for the record instead of racing it."""
    deadline = time.monotonic() + timeout
    while True:
        status, detail = call(server, "GET", f"/_hookline/deliveries/{sid}")
        assert status == 200, detail
        if len(detail["attempt_log"]) >= attempts and detail["status"] != "sending":
            return dict(detail)
        if time.monotonic() > deadline:
            raise AssertionError(f"{sid}: {len(detail['attempt_log'])} attempts recorded")
        time.sleep(0.05)
