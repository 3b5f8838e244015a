"""Roles through the official SDK, in both URL forms."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.support.server import ServerProcess


def test_role_round_trip_default_service(sdk: Any, server: ServerProcess) -> None:
    roles = sdk.conversations.v1.roles
    defaults = roles.list()
    assert sorted(r.friendly_name for r in defaults) == [
        "channel admin", "channel user", "service admin", "service user",
    ]  # fmt: skip
    role = roles.create(
        friendly_name="moderator",
        type="conversation",
        permission=["sendMessage", "deleteAnyMessage"],
    )
    assert role.sid.startswith("RL") and role.type == "conversation"
    assert role.permissions == ["sendMessage", "deleteAnyMessage"]
    assert role.url == f"{server.base_url}/v1/Roles/{role.sid}"
    updated = roles(role.sid).update(permission=["leaveConversation"])
    assert updated.permissions == ["leaveConversation"]
    assert roles(role.sid).fetch().permissions == ["leaveConversation"]
    assert len(roles.list()) == 5
    assert roles(role.sid).delete() is True
    with pytest.raises(TwilioRestException) as raised:
        roles(role.sid).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_service_form_is_separate(sdk: Any, server: ServerProcess) -> None:
    service = sdk.conversations.v1.services.create(friendly_name="other")
    roles = sdk.conversations.v1.services(service.sid).roles
    role = roles.create(friendly_name="vip", type="service", permission=["createConversation"])
    assert role.chat_service_sid == service.sid
    assert role.url == f"{server.base_url}/v1/Services/{service.sid}/Roles/{role.sid}"
    assert [r.sid for r in roles.list() if r.friendly_name == "vip"] == [role.sid]
    assert "vip" not in [r.friendly_name for r in sdk.conversations.v1.roles.list()]
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.roles(role.sid).fetch()
    assert raised.value.status == 404


def test_default_roles_cannot_be_deleted(sdk: Any) -> None:
    (admin,) = [r for r in sdk.conversations.v1.roles.list() if r.friendly_name == "service admin"]
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.roles(admin.sid).delete()
    assert (raised.value.status, raised.value.code) == (400, 20001)
    assert sdk.conversations.v1.roles(admin.sid).fetch().type == "service"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"friendly_name": "r", "type": "channel", "permission": ["sendMessage"]},
        {"friendly_name": "r", "type": "service", "permission": ["sendMessage"]},
        {"friendly_name": "x" * 65, "type": "service", "permission": ["createConversation"]},
        {"friendly_name": "channel user", "type": "conversation", "permission": ["sendMessage"]},
    ],
)
def test_bad_roles_are_400(sdk: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(TwilioRestException) as raised:
        sdk.conversations.v1.roles.create(**kwargs)
    assert (raised.value.status, raised.value.code) == (400, 20001)


def test_unknown_service_or_role_is_404(sdk: Any) -> None:
    for sid in ("IS" + "0" * 32, "ISnope"):
        with pytest.raises(TwilioRestException) as raised:
            sdk.conversations.v1.services(sid).roles.create(
                friendly_name="r", type="service", permission=["createConversation"]
            )
        assert raised.value.status == 404
    for sid in ("RL" + "0" * 32, "nope"):
        with pytest.raises(TwilioRestException) as raised:
            sdk.conversations.v1.roles(sid).update(permission=["sendMessage"])
        assert (raised.value.status, raised.value.code) == (404, 20404)
