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


ROOT = Path(__file__).resolve().parents[2]


def readme_example(name: str = "test_my_bot.py") -> str:
    """The README's example test file ``name``, as a user would copy it."""
    readme = (ROOT / "README.md").read_text()
    pattern = rf"```python\n(# {re.escape(name)}\n.*?)```"
    (example,) = re.findall(pattern, readme, re.DOTALL)
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


def test_the_readme_retry_example_is_a_test_of_this_suite_word_for_word() -> None:
    """tests/readme/test_retries.py runs with the rest of the suite; it is the README's."""
    assert (ROOT / "tests" / "readme" / "test_retries.py").read_text() == readme_example(
        "test_retries.py"
    )


SERVER_OPTIONS_TEST = """
import pytest


def test_the_ini_options_reach_the_server(hookline_server, webhook_receiver):
    # hookline_server_args = --rest-webhooks always: REST calls fire without the header.
    hookline_server.client.conversations.v1.configuration.webhooks().update(
        filters=["onConversationAdded"], post_webhook_url=webhook_receiver.url("/post")
    )
    hookline_server.client.conversations.v1.conversations.create()
    (added,) = webhook_receiver.wait_for(1, path="/post")
    assert added.event_type == "onConversationAdded"


class TestAnOverride:
    @pytest.fixture
    def hookline_server_options(self):
        return ["--faults", "duplicate=1"]

    def test_gets_a_server_of_its_own(self, hookline_server, webhook_receiver):
        hookline_server.client.conversations.v1.configuration.webhooks().update(
            filters=["onConversationAdded"], post_webhook_url=webhook_receiver.url("/post")
        )
        conversations = hookline_server.client.conversations.v1.conversations
        conversations.create(x_twilio_webhook_enabled="true")
        # duplicate=1: every delivery is sent twice, with the same idempotency token.
        first, again = webhook_receiver.wait_for(2, path="/post")
        token = "I-Twilio-Idempotency-Token"
        assert first.headers[token] == again.headers[token]
"""


def test_server_options_from_the_ini_file_and_a_fixture_override(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nhookline_server_args = --rest-webhooks always\n")
    pytester.makepyfile(
        test_options=SERVER_OPTIONS_TEST, test_retries=readme_example("test_retries.py")
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=3)
