"""``POST /_hookline/reset`` on a real server, through the pytest plugin's fixtures."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from hookline.testing import HooklineServer, WebhookReceiver

FLOW = "FW" + "a" * 32


def test_reset_leaves_the_account_with_an_empty_default_service(
    hookline_server: HooklineServer, webhook_receiver: WebhookReceiver
) -> None:
    sdk = hookline_server.client.conversations.v1
    sdk.configuration.webhooks().update(
        filters=["onMessageAdded"], post_webhook_url=webhook_receiver.url("/post")
    )
    service = sdk.services.create(friendly_name="support")
    sdk.services(service.sid).configuration.webhooks().update(
        post_webhook_url=webhook_receiver.url("/service"), filters=["onMessageAdded"]
    )
    sdk.services(hookline_server.service_sid).roles.create(
        friendly_name="moderator", type="conversation", permission=["sendMessage"]
    )
    sdk.users.create(identity="alice")
    conversation = sdk.conversations.create(unique_name="support-1")
    conversation.participants.create(identity="alice")
    conversation.webhooks.create(
        target="webhook",
        configuration_url=webhook_receiver.url("/s"),
        configuration_filters=["onMessageAdded"],
    )
    conversation.messages.create(author="alice", body="hi", x_twilio_webhook_enabled="true")
    sdk.services(service.sid).conversations.create(friendly_name="elsewhere")
    hookline_server.request("POST", f"/_hookline/flows/{FLOW}", {"Url": webhook_receiver.url()})
    webhook_receiver.wait_for(1, path="/post")
    webhook_receiver.wait_for(1, path="/s")

    answer = hookline_server.request("POST", "/_hookline/reset")

    assert answer == {
        "account_sid": hookline_server.account_sid,
        "default_service_sid": hookline_server.service_sid,
    }
    assert [s.sid for s in sdk.services.list()] == [hookline_server.service_sid]
    assert sdk.conversations.list() == [] and sdk.users.list() == []
    roles = sdk.services(hookline_server.service_sid).roles.list()
    assert sorted(role.friendly_name for role in roles) == [
        "channel admin", "channel user", "service admin", "service user",
    ]  # fmt: skip
    config = sdk.configuration.webhooks().fetch()
    assert config.post_webhook_url is None and config.filters == []
    with pytest.raises(TwilioRestException) as gone:
        sdk.conversations("support-1").fetch()
    assert gone.value.status == 404
    for path, key in [("events", "events"), ("deliveries", "deliveries"), ("flows", "flows")]:
        assert hookline_server.request("GET", f"/_hookline/{path}")[key] == []
    # The account still works, and unique names are free again.
    assert sdk.conversations.create(unique_name="support-1").sid != conversation.sid


def test_reset_needs_the_accounts_credentials(hookline_server: HooklineServer) -> None:
    import urllib.error
    import urllib.request

    kept = hookline_server.client.conversations.v1.conversations.create(unique_name="kept")
    request = urllib.request.Request(f"{hookline_server.base_url}/_hookline/reset", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, data=b"", timeout=10)
    assert refused.value.code == 401
    # Refused, it deleted nothing.
    assert hookline_server.client.conversations.v1.conversations("kept").fetch().sid == kept.sid
