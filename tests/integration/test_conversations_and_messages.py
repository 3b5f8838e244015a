"""Conversations and Messages through the official SDK, responses checked against the spec."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

import hookline
from tests.support.server import ServerProcess


def test_conversation_lifecycle_in_both_url_forms(sdk: Any) -> None:
    conv = sdk.conversations.v1.conversations.create(
        friendly_name="support", unique_name="ticket-1", attributes='{"tier": 1}'
    )
    assert conv.sid.startswith("CH") and len(conv.sid) == 34
    assert conv.state == "active" and conv.attributes == '{"tier": 1}'
    by_name = sdk.conversations.v1.conversations("ticket-1").fetch()
    assert by_name.sid == conv.sid
    via_service = sdk.conversations.v1.services(conv.chat_service_sid).conversations(conv.sid)
    assert via_service.fetch().unique_name == "ticket-1"
    updated = sdk.conversations.v1.conversations(conv.sid).update(
        friendly_name="support (closed)", state="closed"
    )
    assert (updated.friendly_name, updated.state) == ("support (closed)", "closed")
    assert [c.sid for c in sdk.conversations.v1.conversations.list()] == [conv.sid]
    assert sdk.conversations.v1.conversations(conv.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        sdk.conversations.v1.conversations(conv.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("fields", "status", "named"),
    [
        ({"attributes": "{not json"}, 400, "Attributes"),
        ({"state": "sleeping"}, 400, "State"),
        ({"timers_inactive": "five minutes"}, 400, "Timers.Inactive"),
        ({"messaging_service_sid": "MGnope"}, 400, "MessagingServiceSid"),
    ],
)
def test_bad_conversation_fields_are_rejected(
    sdk: Any, fields: dict[str, str], status: int, named: str
) -> None:
    with pytest.raises(TwilioRestException) as bad:
        sdk.conversations.v1.conversations.create(**fields)
    assert bad.value.status == status
    # The error names the field, and nothing was created.
    assert named in bad.value.msg
    assert sdk.conversations.v1.conversations.list() == []


def test_unique_names_are_unique_per_service(sdk: Any) -> None:
    sdk.conversations.v1.conversations.create(unique_name="only-one")
    first = sdk.conversations.v1.conversations("only-one").fetch()
    with pytest.raises(TwilioRestException) as clash:
        sdk.conversations.v1.conversations.create(unique_name="only-one")
    assert clash.value.status == 409
    # The first one is untouched and alone.
    assert [c.sid for c in sdk.conversations.v1.conversations.list()] == [first.sid]
    assert sdk.conversations.v1.conversations("only-one").fetch().sid == first.sid
    other = sdk.conversations.v1.services.create(friendly_name="elsewhere")
    elsewhere = sdk.conversations.v1.services(other.sid).conversations
    created = elsewhere.create(unique_name="only-one")
    assert created.sid != first.sid and created.chat_service_sid == other.sid


def test_message_lifecycle_order_and_date_override(sdk: Any) -> None:
    conv = sdk.conversations.v1.conversations.create()
    messages = sdk.conversations.v1.conversations(conv.sid).messages
    back_then = datetime(2020, 5, 17, 12, 0, tzinfo=UTC)
    first = messages.create(body="first", author="alice", date_created=back_then)
    second = messages.create(body="second")
    assert (first.index, second.index) == (0, 1)
    assert first.date_created == back_then and second.author == "system"
    assert [m.body for m in messages.list(order="desc")] == ["second", "first"]
    edited = messages(first.sid).update(body="first, edited", attributes='{"edited": true}')
    assert edited.body == "first, edited" and edited.index == 0
    assert messages(second.sid).delete() is True
    assert [m.sid for m in messages.list()] == [first.sid]
    third = messages.create(body="third")
    assert third.index == 2, "indexes are never reused"


def test_bad_messages_get_twilio_codes(sdk: Any) -> None:
    conv = sdk.conversations.v1.conversations.create()
    messages = sdk.conversations.v1.conversations(conv.sid).messages
    for fields, code in [({}, 50011), ({"body": "x" * 1601}, 50012)]:
        with pytest.raises(TwilioRestException) as bad:
            messages.create(**fields)
        assert (bad.value.status, bad.value.code) == (400, code)
    with pytest.raises(TwilioRestException) as missing:
        messages("IM" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_fifty_concurrent_posts_take_indexes_0_to_49_once_each(server: ServerProcess) -> None:
    sdk: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
    conv = sdk.conversations.v1.conversations.create()

    def post(n: int) -> int:
        # One SDK client per thread: requests sessions are not thread-safe.
        own: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
        message = own.conversations.v1.conversations(conv.sid).messages.create(body=f"m{n}")
        return int(message.index)

    with ThreadPoolExecutor(max_workers=50) as pool:
        indexes = list(pool.map(post, range(50)))
    assert sorted(indexes) == list(range(50))
    stored = sdk.conversations.v1.conversations(conv.sid).messages.list(page_size=100)
    assert sorted(m.index for m in stored) == list(range(50))
