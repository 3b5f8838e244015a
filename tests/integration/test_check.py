"""``hookline check``: against a receiver that validates signatures, and one that does not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from click.testing import CliRunner
from twilio.request_validator import RequestValidator

from hookline.cli.check import check
from tests.support.receiver import Receiver

TOKEN = "3" * 32


class Validating:
    """A receiver done right: 403 unless the signature checks out; records tokens."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = dict(parse_qsl(body.decode()))
                url = f"http://{self.headers['Host']}{self.path}"
                signature = self.headers.get("X-Twilio-Signature", "")
                valid = RequestValidator(TOKEN).validate(url, params, signature)
                owner.tokens.append(self.headers.get("I-Twilio-Idempotency-Token", ""))
                self.send_response(200 if valid else 403)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def validating() -> Iterator[Validating]:
    server = Validating()
    yield server
    server.close()


def _check(*args: str) -> Any:
    return CliRunner().invoke(check, list(args), catch_exceptions=False)


def test_passes_a_receiver_that_validates_signatures(validating: Validating) -> None:
    result = _check(validating.url, "--auth-token", TOKEN)
    assert result.exit_code == 0, result.output
    assert result.output.count("PASS") == 5 and "FAIL" not in result.output
    assert "wrongly signed request: HTTP 403" in result.output
    assert len(validating.tokens) == 4
    assert validating.tokens[0] == validating.tokens[3] != ""


def test_fails_a_receiver_that_does_not(receiver: Receiver) -> None:
    result = _check(f"{receiver.base}/hook", "--auth-token", TOKEN)
    assert result.exit_code == 1, result.output
    assert "FAIL  wrongly signed request: HTTP 200" in result.output
    assert "FAIL  unsigned request: HTTP 200" in result.output
    (unsigned,) = [r for r in receiver.requests if "X-Twilio-Signature" not in r.headers]
    assert unsigned.params["EventType"] == "onMessageAdded"


def test_wrong_token_fails_the_signed_check(validating: Validating) -> None:
    result = _check(validating.url, "--auth-token", "4" * 32)
    assert result.exit_code == 1
    assert "FAIL  correctly signed request: HTTP 403" in result.output


def test_pre_event_reading(receiver: Receiver) -> None:
    receiver.respond("/pre", 200, {"body": "edited", "unknown": "x"})
    result = _check(f"{receiver.base}/pre", "--auth-token", TOKEN, "--pre")
    # Lines wrap at the terminal's width: compare the words.
    assert 'ALLOWED and MODIFIED: {"body": "edited"}' in " ".join(result.output.split())
    assert receiver.requests[0].params["EventType"] == "onMessageAdd"
    receiver.respond("/reject", 403)
    result = _check(f"{receiver.base}/reject", "--auth-token", TOKEN, "--event", "onUserUpdate")
    assert "HTTP 403: the action would be REJECTED" in result.output
    assert _check(receiver.base, "--auth-token", TOKEN, "--event", "onNothing").exit_code == 2
    assert (
        _check(receiver.base, "--auth-token", TOKEN, "--pre", "--event", "onUserAdded").exit_code
        == 2
    )
