"""``hookline trigger EVENT``: make one event happen through the real REST path.

Like ``stripe trigger``: what the event needs (a conversation, a participant, a message,
a user) is created first *without* webhooks, then the action that produces EVENT is sent
with ``X-Twilio-Webhook-Enabled: true``, so every configured webhook receives it (and its
pre-event hook can reject or modify it). A pre-event name triggers the same action as its
post-event: the action fires both.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import click

from hookline.cli.http import Server, segment, with_server
from hookline.domain.events import ALL_EVENTS, PRE_TO_POST

WEBHOOKS = {"X-Twilio-Webhook-Enabled": "true"}
SMS_ADDRESS = "+15550100999"
PROXY_ADDRESS = "+15550100000"


class Scene:
    """The objects one trigger created, each made on first need."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.tag = secrets.token_hex(3)
        self._conversation: str | None = None
        self._participant: str | None = None
        self._message: str | None = None

    def post(self, path: str, params: dict[str, Any], webhooks: bool = False) -> Any:
        return self.server.call("POST", path, params, WEBHOOKS if webhooks else None)

    def conversation(self) -> str:
        if self._conversation is None:
            params = {"FriendlyName": f"hookline trigger {self.tag}"}
            self._conversation = self.post("/v1/Conversations", params)["sid"]
        return self._conversation

    def conv_path(self) -> str:
        return f"/v1/Conversations/{segment(self.conversation())}"

    def participant(self) -> str:
        if self._participant is None:
            params = {"Identity": f"trigger-{self.tag}"}
            self._participant = self.post(f"{self.conv_path()}/Participants", params)["sid"]
        return self._participant

    def message(self) -> str:
        if self._message is None:
            params = {"Author": f"trigger-{self.tag}", "Body": "hello from hookline trigger"}
            self._message = self.post(f"{self.conv_path()}/Messages", params)["sid"]
        return self._message


def _conversation_added(scene: Scene) -> Any:
    params = {"FriendlyName": f"hookline trigger {scene.tag}"}
    return scene.post("/v1/Conversations", params, webhooks=True)


def _conversation_updated(scene: Scene) -> Any:
    params = {"FriendlyName": f"hookline trigger {scene.tag} (renamed)"}
    return scene.post(scene.conv_path(), params, webhooks=True)


def _conversation_state(scene: Scene) -> Any:
    return scene.post(scene.conv_path(), {"State": "inactive"}, webhooks=True)


def _conversation_removed(scene: Scene) -> Any:
    path = scene.conv_path()
    return scene.server.call("DELETE", path, None, WEBHOOKS)


def _participant_added(scene: Scene) -> Any:
    params = {"Identity": f"trigger-{scene.tag}"}
    return scene.post(f"{scene.conv_path()}/Participants", params, webhooks=True)


def _participant_updated(scene: Scene) -> Any:
    path = f"{scene.conv_path()}/Participants/{scene.participant()}"
    return scene.post(path, {"Attributes": '{"triggered": true}'}, webhooks=True)


def _participant_removed(scene: Scene) -> Any:
    path = f"{scene.conv_path()}/Participants/{scene.participant()}"
    return scene.server.call("DELETE", path, None, WEBHOOKS)


def _message_added(scene: Scene) -> Any:
    params = {"Author": f"trigger-{scene.tag}", "Body": "hello from hookline trigger"}
    return scene.post(f"{scene.conv_path()}/Messages", params, webhooks=True)


def _message_updated(scene: Scene) -> Any:
    path = f"{scene.conv_path()}/Messages/{scene.message()}"
    return scene.post(path, {"Body": "edited by hookline trigger"}, webhooks=True)


def _message_removed(scene: Scene) -> Any:
    path = f"{scene.conv_path()}/Messages/{scene.message()}"
    return scene.server.call("DELETE", path, None, WEBHOOKS)


def _user_added(scene: Scene) -> Any:
    return scene.post("/v1/Users", {"Identity": f"trigger-user-{scene.tag}"}, webhooks=True)


def _user_updated(scene: Scene) -> Any:
    user = scene.post("/v1/Users", {"Identity": f"trigger-user-{scene.tag}"})
    path = f"/v1/Users/{segment(user['sid'])}"
    return scene.post(path, {"FriendlyName": "Triggered"}, webhooks=True)


def _delivery_updated(scene: Scene) -> Any:
    """A carrier receipt: an SMS participant, a message, then ``/_hookline`` receipts (whose
    events always fire, as the carrier's do on Twilio)."""
    binding = {
        "MessagingBinding.Address": SMS_ADDRESS,
        "MessagingBinding.ProxyAddress": PROXY_ADDRESS,
    }
    phone = scene.post(f"{scene.conv_path()}/Participants", binding)["sid"]
    conversation, message = scene.conversation(), scene.message()
    path = f"/_hookline/Conversations/{segment(conversation)}/Messages/{segment(message)}/Receipts"
    return scene.post(path, {"ParticipantSid": phone, "Status": "delivered"})


#: Post-event → the action that produces it.
RECIPES: dict[str, Callable[[Scene], Any]] = {
    "onConversationAdded": _conversation_added,
    "onConversationUpdated": _conversation_updated,
    "onConversationStateUpdated": _conversation_state,
    "onConversationRemoved": _conversation_removed,
    "onParticipantAdded": _participant_added,
    "onParticipantUpdated": _participant_updated,
    "onParticipantRemoved": _participant_removed,
    "onMessageAdded": _message_added,
    "onMessageUpdated": _message_updated,
    "onMessageRemoved": _message_removed,
    "onUserAdded": _user_added,
    "onUserUpdated": _user_updated,
    "onDeliveryUpdated": _delivery_updated,
}


def recipe(event: str) -> Callable[[Scene], Any] | None:
    return RECIPES.get(PRE_TO_POST.get(event, event))


def _check_event(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value not in ALL_EVENTS or recipe(value) is None:
        valid = ", ".join(sorted(name for name in ALL_EVENTS if recipe(name)))
        raise click.BadParameter(f"unknown event {value!r}; valid events: {valid}")
    return value


@click.command(
    epilog="EVENT: "
    + ", ".join(sorted(name for name in ALL_EVENTS if recipe(name)))
    + ". A pre-event name (onMessageAdd) triggers the same action as its post-event."
)
@click.argument("event", callback=_check_event)
@with_server
def trigger(server: Server, event: str) -> None:
    """Produce EVENT (onMessageAdded, onMessageAdd …) so every configured webhook gets it."""
    action = recipe(event)
    assert action is not None  # checked by _check_event
    scene = Scene(server)
    result = action(scene)
    sid = result.get("sid") if isinstance(result, dict) else None
    made = f" ({sid})" if sid else ""
    server.done(f"triggered {event}{made}; see `hookline deliveries list` or /_hookline/ui")
