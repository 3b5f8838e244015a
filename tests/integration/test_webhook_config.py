"""Webhook configuration at all three scopes, through the official twilio SDK."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from tests.support.server import ServerProcess


def test_global_configuration_round_trip(sdk: Any, server: ServerProcess) -> None:
    hooks = sdk.conversations.v1.configuration.webhooks()
    updated = hooks.update(
        filters=["onMessageAdd", "onMessageAdded", "onUserAdded"],
        method="get",
        pre_webhook_url="https://example.com/pre",
        post_webhook_url="http://127.0.0.1:9/post",
        target="webhook",
    )
    assert updated.filters == ["onMessageAdd", "onMessageAdded", "onUserAdded"]
    assert updated.method == "GET"
    fetched = hooks.fetch()
    assert fetched.account_sid == server.account_sid
    assert fetched.pre_webhook_url == "https://example.com/pre"
    assert fetched.post_webhook_url == "http://127.0.0.1:9/post"
    assert fetched.target == "webhook"
    assert fetched.url == f"{server.base_url}/v1/Configuration/Webhooks"


def test_service_configuration_is_separate_from_global(sdk: Any, server: ServerProcess) -> None:
    service = sdk.conversations.v1.services.create(friendly_name="support")
    empty = sdk.conversations.v1.services(service.sid).configuration.webhooks().fetch()
    assert empty.chat_service_sid == service.sid
    assert empty.pre_webhook_url is None and empty.post_webhook_url is None
    changed = (
        sdk.conversations.v1.services(service.sid)
        .configuration.webhooks()
        .update(
            filters=["onConversationUpdated", "onMessageRemoved"],
            method="POST",
            post_webhook_url="https://company.com/archive-every-action",
            pre_webhook_url="https://company.com/filtering-and-permissions",
        )
    )
    assert changed.filters == ["onConversationUpdated", "onMessageRemoved"]
    assert changed.url == f"{server.base_url}/v1/Services/{service.sid}/Configuration/Webhooks"
    assert sdk.conversations.v1.configuration.webhooks().fetch().post_webhook_url is None


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"filters": ["onMessageSent"]}, 400, 20001),
        ({"method": "PUT"}, 400, 20001),
        ({"post_webhook_url": "/relative"}, 400, 20001),
        ({"pre_webhook_url": "ftp://example.com/x"}, 400, 20001),
        ({"target": "studio"}, 400, 20001),
    ],
)
def test_global_configuration_rejects_bad_input(
    sdk: Any, kwargs: dict[str, Any], status: int, code: int
) -> None:
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.configuration.webhooks().update(**kwargs)
    assert (raised.value.status, raised.value.code) == (status, code)


def test_unknown_service_is_404(sdk: Any) -> None:
    for sid in ("IS" + "0" * 32, "ISnotasid"):
        with pytest.raises(TwilioRestException) as raised:
            sdk.conversations.v1.services(sid).configuration.webhooks().fetch()
        assert (raised.value.status, raised.value.code) == (404, 20404)


def _conversation(sdk: Any, service_sid: str | None = None) -> Any:
    if service_sid:
        return sdk.conversations.v1.services(service_sid).conversations.create(friendly_name="c")
    return sdk.conversations.v1.conversations.create(friendly_name="c")


def test_scoped_webhooks_crud_on_default_service(sdk: Any, server: ServerProcess) -> None:
    conv = _conversation(sdk)
    hooks = sdk.conversations.v1.conversations(conv.sid).webhooks
    created = hooks.create(
        target="webhook",
        configuration_url="https://example.com/bot",
        configuration_method="GET",
        configuration_filters=["onMessageAdded", "onConversationRemoved"],
    )
    assert created.sid.startswith("WH") and len(created.sid) == 34
    assert created.configuration == {
        "url": "https://example.com/bot",
        "method": "get",
        "filters": ["onMessageAdded", "onConversationRemoved"],
    }
    assert created.url == f"{server.base_url}/v1/Conversations/{conv.sid}/Webhooks/{created.sid}"
    trigger = hooks.create(
        target="trigger",
        configuration_url="https://example.com/t",
        configuration_triggers=["help", "agent"],
    )
    assert trigger.configuration["filters"] == ["help", "agent"]
    studio = hooks.create(target="studio", configuration_flow_sid="FW" + "a" * 32)
    assert studio.configuration == {"flow_sid": "FW" + "a" * 32}

    listed = hooks.list()
    assert [w.sid for w in listed] == [created.sid, trigger.sid, studio.sid]
    updated = (
        sdk.conversations.v1.conversations(conv.sid)
        .webhooks(created.sid)
        .update(configuration_filters=["onMessageUpdated"], configuration_method="POST")
    )
    assert updated.configuration["filters"] == ["onMessageUpdated"]
    assert updated.configuration["method"] == "post"
    assert sdk.conversations.v1.conversations(conv.sid).webhooks(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.conversations(conv.sid).webhooks(created.sid).fetch()
    assert (raised.value.status, raised.value.code) == (404, 50360)


def test_scoped_webhooks_on_service_url_form_and_paging(sdk: Any, server: ServerProcess) -> None:
    service = sdk.conversations.v1.services.create(friendly_name="paged")
    conv = _conversation(sdk, service.sid)
    hooks = sdk.conversations.v1.services(service.sid).conversations(conv.sid).webhooks
    made = [
        hooks.create(
            target="webhook",
            configuration_url=f"https://example.com/{n}",
            configuration_filters=["onMessageAdded"],
        )
        for n in range(5)
    ]
    assert made[0].chat_service_sid == service.sid
    page = hooks.page(page_size=2)
    assert [w.sid for w in page] == [w.sid for w in made[:2]]
    assert [w.sid for w in hooks.list(page_size=2)] == [w.sid for w in made]
    with pytest.raises(TwilioRestException) as raised:
        hooks.create(
            target="webhook",
            configuration_url="https://example.com/6",
            configuration_filters=["onMessageAdded"],
        )
    assert (raised.value.status, raised.value.code) == (400, 50361)
    # The same conversation is not reachable through the default service's URL form.
    # (the SDK raises a bare TwilioException, carrying the response, when a page fails)
    with pytest.raises(TwilioException) as failed:
        sdk.conversations.v1.conversations(conv.sid).webhooks.list()
    assert failed.value.args[1].status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"target": "email"}, 50364),
        ({"target": "webhook", "configuration_filters": ["onMessageAdded"]}, 50369),
        ({"target": "webhook", "configuration_url": "https://e.com"}, 50370),
        (
            {
                "target": "webhook",
                "configuration_url": "https://e.com",
                "configuration_filters": ["onMessageAdd"],
            },
            50365,
        ),
        ({"target": "trigger", "configuration_url": "https://e.com"}, 50371),
        (
            {
                "target": "trigger",
                "configuration_url": "https://e.com",
                "configuration_triggers": ["a", "b", "c", "d", "e", "f"],
            },
            50362,
        ),
        (
            {
                "target": "trigger",
                "configuration_url": "https://e.com",
                "configuration_triggers": ["x" * 249],
            },
            50366,
        ),
        ({"target": "studio"}, 50367),
        ({"target": "studio", "configuration_flow_sid": "FW123"}, 50367),
        (
            {
                "target": "webhook",
                "configuration_url": "https://e.com",
                "configuration_filters": ["onMessageAdded"],
                "configuration_method": "PATCH",
            },
            20001,
        ),
    ],
)
def test_scoped_webhook_errors(sdk: Any, kwargs: dict[str, Any], code: int) -> None:
    conv = _conversation(sdk)
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.conversations(conv.sid).webhooks.create(**kwargs)
    assert (raised.value.status, raised.value.code) == (400, code)


def test_scoped_webhook_malformed_sid(sdk: Any) -> None:
    conv = _conversation(sdk)
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.conversations(conv.sid).webhooks("WHnope").fetch()
    assert (raised.value.status, raised.value.code) == (400, 50363)
