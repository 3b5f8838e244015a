"""Address Configuration through the official SDK (responses checked against the spec)."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.support.server import ServerProcess

FLOW = "FW" + "a" * 32


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_create_fetch_update_list_delete(sdk: Any, server: ServerProcess) -> None:
    configs = sdk.conversations.v1.address_configurations
    service = sdk.conversations.v1.services.create(friendly_name="inbound")
    created = configs.create(
        type="sms",
        address="+15550001000",
        friendly_name="front desk",
        auto_creation_enabled=True,
        auto_creation_type="webhook",
        auto_creation_conversation_service_sid=service.sid,
        auto_creation_webhook_url="https://example.com/hook",
        auto_creation_webhook_method="POST",
        auto_creation_webhook_filters=["onMessageAdded", "onParticipantAdded"],
        address_country="US",
    )
    assert created.sid.startswith("IG") and created.account_sid == server.account_sid
    assert (created.type, created.address, created.friendly_name) == (
        "sms", "+15550001000", "front desk",
    )  # fmt: skip
    assert created.address_country == "US"
    assert created.auto_creation == {
        "enabled": True,
        "type": "webhook",
        "conversation_service_sid": service.sid,
        "webhook_url": "https://example.com/hook",
        "webhook_method": "POST",
        "webhook_filters": ["onMessageAdded", "onParticipantAdded"],
    }
    assert created.url == f"{server.base_url}/v1/Configuration/Addresses/{created.sid}"
    assert created.date_created and created.date_updated
    assert configs(created.sid).fetch().auto_creation == created.auto_creation

    updated = configs(created.sid).update(
        auto_creation_type="studio", auto_creation_studio_flow_sid=FLOW,
        auto_creation_studio_retry_count=2, friendly_name="renamed",
    )  # fmt: skip
    assert updated.friendly_name == "renamed"
    assert updated.auto_creation == {
        "enabled": True, "type": "studio", "conversation_service_sid": service.sid,
        "studio_flow_sid": FLOW, "studio_retry_count": 2,
    }  # fmt: skip
    whatsapp = configs.create(type="whatsapp", address="+15550002000")
    assert whatsapp.address == "whatsapp:+15550002000"
    assert whatsapp.auto_creation == {
        "enabled": False, "type": "default", "conversation_service_sid": None,
    }  # fmt: skip
    assert [c.sid for c in configs.list()] == [created.sid, whatsapp.sid]
    assert [c.sid for c in configs.list(type="whatsapp")] == [whatsapp.sid]
    assert [c.sid for c in configs.list(page_size=1)] == [created.sid, whatsapp.sid]
    assert configs(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as missing:
        configs(created.sid).fetch()
    assert missing.value.status == 404


def test_rules(sdk: Any) -> None:
    configs = sdk.conversations.v1.address_configurations
    configs.create(type="sms", address="+15550003000")
    with pytest.raises(TwilioRestException) as taken:
        configs.create(type="sms", address="+15550003000")
    assert taken.value.status == 409
    with pytest.raises(TwilioRestException) as no_url:
        configs.create(type="sms", address="+15550003001", auto_creation_type="webhook")
    assert no_url.value.status == 400 and "WebhookUrl" in no_url.value.msg
    with pytest.raises(TwilioRestException) as bad_filter:
        configs.create(
            type="sms", address="+15550003002", auto_creation_type="webhook",
            auto_creation_webhook_url="https://example.com", auto_creation_webhook_filters=["onX"],
        )  # fmt: skip
    assert bad_filter.value.status == 400
    with pytest.raises(TwilioRestException) as bad_type:
        configs.create(type="fax", address="+15550003003")
    assert bad_type.value.status == 400
    with pytest.raises(TwilioRestException) as malformed:
        configs("IG123").fetch()
    assert malformed.value.status == 404
