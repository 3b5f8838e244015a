"""The official SDK against a test server with every response checked *exactly* against
Twilio's spec (no documented property missing, none undocumented) and its raw text kept,
plus the helpers the configuration and push tests share."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

import hookline
from tests.support.openapi import ContractChecker, install_validation
from tests.support.server import ServerProcess


class StrictSdk:
    def __init__(self, server: ServerProcess) -> None:
        self.sdk: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
        self.checker: ContractChecker = install_validation(self.sdk)
        self.checker.exact = True
        #: Every response body, so a test can prove a value never came back.
        self.bodies: list[str] = []
        checked = self.sdk.http_client.request

        def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            response = checked(method, url, *args, **kwargs)
            self.bodies.append(response.text)
            return response

        self.sdk.http_client.request = request

    def assert_contract(self, at_least: int = 5) -> None:
        assert self.checker.checked >= at_least, "the SDK's responses were not checked"
        assert not self.checker.failures, "\n".join(str(f) for f in self.checker.failures)


def refused(action: Any, status: int, code: int) -> TwilioRestException:
    """Run ``action``; it must raise the SDK's error with this HTTP status and Twilio code."""
    with pytest.raises(TwilioRestException) as caught:
        action()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value.msg
    return caught.value


def hookline_cli(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``hookline`` command, with the server's URL and credentials in its env."""
    env = os.environ | {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
    }
    return subprocess.run(
        [sys.executable, "-m", "hookline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
