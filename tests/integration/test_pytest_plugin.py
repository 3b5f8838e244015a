"""The pytest plugin as a user meets it: a test file of their own, no conftest, run by
pytest in a subprocess, using ``hookline_server`` and ``webhook_receiver``."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

USER_TEST = """
from twilio.base.exceptions import TwilioRestException
import pytest


def configure(hookline_server, webhook_receiver, **extra):
    hookline_server.client.conversations.v1.configuration.webhooks().update(
        filters=["onMessageAdd", "onMessageAdded"],
        pre_webhook_url=webhook_receiver.url("/pre"),
        post_webhook_url=webhook_receiver.url("/post"),
        method="POST",
        **extra,
    )


def test_bot_sees_a_signed_message(hookline_server, webhook_receiver):
    configure(hookline_server, webhook_receiver)
    conversations = hookline_server.client.conversations.v1.conversations
    conversation = conversations.create(friendly_name="support")
    assert conversation.chat_service_sid == hookline_server.service_sid
    conversation.messages.create(author="alice", body="hi", x_twilio_webhook_enabled="true")
    (request,) = webhook_receiver.wait_for(1, path="/post", event_type="onMessageAdded")
    assert request.method == "POST"
    assert request.params["Body"] == "hi"
    assert request.params["AccountSid"] == hookline_server.account_sid
    assert request.headers["I-Twilio-Idempotency-Token"]
    assert request.signature_valid


def test_a_moderation_hook_rejects(hookline_server, webhook_receiver):
    configure(hookline_server, webhook_receiver)
    webhook_receiver.respond("/pre", status=403)
    conversation = hookline_server.client.conversations.v1.conversations.create()
    with pytest.raises(TwilioRestException) as refused:
        conversation.messages.create(author="bob", body="spam", x_twilio_webhook_enabled="true")
    assert refused.value.status == 403
    (pre,) = webhook_receiver.wait_for(1, path="/pre", event_type="onMessageAdd")
    assert pre.signature_valid and pre.params["Body"] == "spam"


def test_every_test_starts_empty(hookline_server):
    # The tests above made conversations: the fixture reset the account since.
    assert hookline_server.client.conversations.v1.conversations.list() == []
    assert hookline_server.client.conversations.v1.configuration.webhooks().fetch().filters == []


def test_the_clock_moves_only_when_told(hookline_server):
    before = hookline_server.advance(0)
    after = hookline_server.advance(3600)
    assert before < after
    hookline_server.reset()


def test_a_wait_that_times_out_says_what_arrived(hookline_server, webhook_receiver):
    webhook_receiver.wait_for(1, path="/never", timeout=0.5)
"""


def readme_example() -> str:
    """The README's example test file, as a user would copy it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (example,) = re.findall(r"```python\n(# test_my_bot\.py\n.*?)```", readme, re.DOTALL)
    return example


def plugin_args() -> list[str]:
    """Installed, hookline's ``pytest11`` entry point loads the plugin; from a source tree
    that is not installed, ``-p`` names it as the entry point would."""
    entry_points = metadata.entry_points(group="pytest11")
    if any(ep.value == "hookline.testing.plugin" for ep in entry_points):
        return []
    return ["-p", "hookline.testing.plugin"]


def test_a_users_test_files_run_with_both_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_my_bot=USER_TEST, test_readme=readme_example())
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_bot_sees_a_signed_message PASSED*",
            "*test_a_wait_that_times_out_says_what_arrived FAILED*",
            "*AssertionError: expected 1 request(s) (path='/never'*got 0*",
        ]
    )
