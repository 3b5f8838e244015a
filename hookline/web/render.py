"""Each resource's JSON, as Twilio renders it: the stored record plus its ``url`` and
``links``, which point at this server and keep the URL form the caller used
(``/v1/…`` or ``/v1/Services/{IS}/…``).

Twilio's two URL forms of one resource differ in one property: the ``/v1/Services/{IS}``
form carries ``chat_service_sid``, the default-service form of participants, receipts and
scoped webhooks does not (see the OpenAPI spec's schemas).
"""

from __future__ import annotations

from hookline.domain.memberships import Membership
from hookline.types import Record
from hookline.web.call import Call


def _in_service_form(call: Call) -> bool:
    return "/Services/" in call.prefix


def _without_service_in_default_form(call: Call, body: Record) -> Record:
    if not _in_service_form(call):
        body.pop("chat_service_sid", None)
    return body


def service(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Services/{record['sid']}"
    links = {
        name: f"{url}/{path}"
        for name, path in (
            ("conversations", "Conversations"),
            ("users", "Users"),
            ("roles", "Roles"),
            ("bindings", "Bindings"),
            ("configuration", "Configuration"),
            ("participant_conversations", "ParticipantConversations"),
        )
    }
    return record | {"url": url, "links": links}


def conversation(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Conversations/{record['sid']}"
    links = {
        "participants": f"{url}/Participants",
        "messages": f"{url}/Messages",
        "webhooks": f"{url}/Webhooks",
    }
    return record | {"url": url, "links": links}


#: The properties of a Message, in Twilio's order (``chat_service_sid``: service form only).
MESSAGE_SHAPE = (
    "account_sid",
    "chat_service_sid",
    "conversation_sid",
    "sid",
    "index",
    "author",
    "body",
    "media",
    "attributes",
    "participant_sid",
    "date_created",
    "date_updated",
    "delivery",
    "content_sid",
)


def message(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Conversations/{record['conversation_sid']}/Messages/{record['sid']}"
    links = {"delivery_receipts": f"{url}/Receipts", "channel_metadata": f"{url}/ChannelMetadata"}
    body = {name: record.get(name) for name in MESSAGE_SHAPE} | {"url": url, "links": links}
    return _without_service_in_default_form(call, body)


#: The spec's participant fields; ``chat_service_sid`` only in the ``/Services/{IS}`` form.
PARTICIPANT_SHAPE = (
    "account_sid",
    "chat_service_sid",
    "conversation_sid",
    "sid",
    "identity",
    "attributes",
    "messaging_binding",
    "role_sid",
    "date_created",
    "date_updated",
    "last_read_message_index",
    "last_read_timestamp",
)


def participant(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Conversations/{record['conversation_sid']}/Participants/{record['sid']}"
    body = {name: record.get(name) for name in PARTICIPANT_SHAPE} | {"url": url}
    return _without_service_in_default_form(call, body)


def receipt(call: Call, record: Record) -> Record:
    url = (
        f"{call.prefix}/Conversations/{record['conversation_sid']}"
        f"/Messages/{record['message_sid']}/Receipts/{record['sid']}"
    )
    return _without_service_in_default_form(call, record | {"url": url})


def scoped_webhook(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Conversations/{record['conversation_sid']}/Webhooks/{record['sid']}"
    return _without_service_in_default_form(call, record | {"url": url})


USER_SHAPE = (
    "sid",
    "account_sid",
    "chat_service_sid",
    "role_sid",
    "identity",
    "friendly_name",
    "attributes",
    "is_online",
    "is_notifiable",
    "date_created",
    "date_updated",
)


def user(call: Call, record: Record) -> Record:
    url = f"{call.prefix}/Users/{record['sid']}"
    links = {"user_conversations": f"{url}/Conversations"}
    return {name: record.get(name) for name in USER_SHAPE} | {"url": url, "links": links}


def role(call: Call, record: Record) -> Record:
    return record | {"url": f"{call.prefix}/Roles/{record['sid']}"}


def address_configuration(call: Call, record: Record) -> Record:
    return record | {"url": f"{call.base_url}/v1/Configuration/Addresses/{record['sid']}"}


def webhook_config(call: Call, record: Record) -> Record:
    service_sid = record.get("chat_service_sid")
    if service_sid:
        return record | {"url": f"{call.base_url}/v1/Services/{service_sid}/Configuration/Webhooks"}
    return record | {"url": f"{call.base_url}/v1/Configuration/Webhooks"}


def _membership_links(call: Call, membership: Membership) -> dict[str, str]:
    conversation = f"{call.prefix}/Conversations/{membership.conversation['sid']}"
    participant = f"{conversation}/Participants/{membership.participant['sid']}"
    return {"participant": participant, "conversation": conversation}


def user_conversation(call: Call, membership: Membership) -> Record:
    conv, participant = membership.conversation, membership.participant
    user_sid = membership.user_sid
    return {
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "conversation_sid": conv["sid"],
        "unread_messages_count": membership.unread_messages_count,
        "last_read_message_index": participant.get("last_read_message_index"),
        "participant_sid": participant["sid"],
        "user_sid": user_sid,
        "friendly_name": conv.get("friendly_name"),
        "conversation_state": conv["state"],
        "timers": conv.get("timers") or {},
        "attributes": conv["attributes"],
        "date_created": conv["date_created"],
        "date_updated": conv["date_updated"],
        "created_by": conv.get("created_by"),
        "notification_level": participant.get("notification_level", "default"),
        "unique_name": conv.get("unique_name"),
        "url": f"{call.prefix}/Users/{user_sid}/Conversations/{conv['sid']}",
        "links": _membership_links(call, membership),
    }


def participant_conversation(call: Call, membership: Membership) -> Record:
    conv, participant = membership.conversation, membership.participant
    return {
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "participant_sid": participant["sid"],
        "participant_user_sid": membership.user_sid,
        "participant_identity": participant.get("identity"),
        "participant_messaging_binding": participant.get("messaging_binding"),
        "conversation_sid": conv["sid"],
        "conversation_unique_name": conv.get("unique_name"),
        "conversation_friendly_name": conv.get("friendly_name"),
        "conversation_attributes": conv["attributes"],
        "conversation_date_created": conv["date_created"],
        "conversation_date_updated": conv["date_updated"],
        "conversation_created_by": conv.get("created_by"),
        "conversation_state": conv["state"],
        "conversation_timers": conv.get("timers") or {},
        "links": _membership_links(call, membership),
    }


def configuration(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Configuration"
    service = f"{call.base_url}/v1/Services/{record['default_chat_service_sid']}"
    links = {"service": service, "webhooks": f"{url}/Webhooks"}
    return record | {"url": url, "links": links}


def service_configuration(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Services/{record['chat_service_sid']}/Configuration"
    links = {"notifications": f"{url}/Notifications", "webhooks": f"{url}/Webhooks"}
    return record | {"url": url, "links": links}


def notifications(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Services/{record['chat_service_sid']}/Configuration/Notifications"
    return record | {"url": url}


#: A credential's properties: the write-only secrets are never among them.
CREDENTIAL_SHAPE = (
    "sid",
    "account_sid",
    "friendly_name",
    "type",
    "sandbox",
    "date_created",
    "date_updated",
)


def credential(call: Call, record: Record) -> Record:
    body = {name: record.get(name) for name in CREDENTIAL_SHAPE}
    return body | {"url": f"{call.base_url}/v1/Credentials/{record['sid']}"}


BINDING_SHAPE = (
    "sid",
    "account_sid",
    "chat_service_sid",
    "credential_sid",
    "date_created",
    "date_updated",
    "endpoint",
    "identity",
    "binding_type",
    "message_types",
)


def binding(call: Call, record: Record) -> Record:
    url = f"{call.base_url}/v1/Services/{record['chat_service_sid']}/Bindings/{record['sid']}"
    return {name: record.get(name) for name in BINDING_SHAPE} | {"url": url}
