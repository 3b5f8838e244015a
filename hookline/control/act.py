"""``/_hookline/Conversations/…``: act as an end user, the way Twilio's events really start.

On Twilio most events come from Conversations SDK clients and SMS/WhatsApp users, not from
REST. These endpoints play those users through the very same handlers and domain actions
as ``/v1`` (so the same rules, pre-event gate and post-events), with an :class:`Actor` whose
``Source`` is ``SDK`` (default), ``SMS``, ``WHATSAPP`` or ``API``, and whose webhooks always
fire. Authentication is the ``/v1`` one.

Parameters every endpoint takes (form for POST, query string for DELETE):

``As``
    who acts: an identity (``SDK``), an address (``SMS``: ``+1555…``; ``WHATSAPP``:
    ``whatsapp:+1555…``, the prefix is added when missing), or a participant's ``MB…`` SID,
    resolved to its identity or address. Required except for ``Source=API`` (author
    ``system``). It becomes the message ``Author`` and, for ``SDK``, ``ClientIdentity``.
``Source``
    ``SDK`` | ``SMS`` | ``WHATSAPP`` | ``API``.
``ChatServiceSid``
    the Conversation Service, when not the default one.

Routes: ``POST /_hookline/Conversations`` (an SDK user creates a conversation and joins
it with the service's ``DefaultConversationCreatorRoleSid``), ``POST …/{CH}/Messages``
(post), ``POST|DELETE …/{CH}/Messages/{IM}`` (edit, remove), ``POST …/{CH}`` (update the
conversation: FriendlyName, Attributes, State), ``POST|DELETE …/{CH}/Participants`` (join,
leave: the acting user adds or removes itself, by identity for SDK, by address for
SMS/WhatsApp).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.routing import Route

from hookline.control.scoped import ScopedCall, scoped
from hookline.domain import (
    conversations,
    messages,
    participants,
    permissions,
    receipts,
    service_configuration,
)
from hookline.domain.runtime import Actor
from hookline.domain.validation import one_of
from hookline.exceptions import InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.web import render
from hookline.web.call import Call, endpoint, json, no_content

SOURCES = ("SDK", "SMS", "WHATSAPP", "API")
ACT_FIELDS = ("As", "Source", "ChatServiceSid")
MESSAGE_FIELDS = ("Body", "Attributes", "MediaSid", "ContentSid", "Subject")
EDIT_FIELDS = ("Body", "Attributes", "Subject")
CONVERSATION_FIELDS = ("FriendlyName", "Attributes", "State")
JOIN_FIELDS = ("Attributes", "RoleSid", "MessagingBinding.ProxyAddress")
CREATE_FIELDS = ("FriendlyName", "UniqueName", "Attributes")


@dataclass
class ActCall(ScopedCall):
    """A scoped call whose actor is the end user named by ``As``/``Source``."""

    acting: Actor = field(default_factory=Actor)

    @property
    def actor(self) -> Actor:
        return self.acting

    @property
    def conversation(self) -> str:
        return self.request.path_params.get("ConversationSid") or self.path("Sid")


async def _participant_name(call: ScopedCall, sid: str, source: str) -> str:
    """The identity (SDK, API) or address (SMS, WhatsApp) of participant ``sid``."""
    ref = call.request.path_params.get("ConversationSid") or call.path("Sid")
    participant = await participants.find_member(
        call.rt, call.account.sid, call.service_sid, ref, "sid", sid
    )
    if participant is None:
        raise NotFound(
            f"The requested resource /Conversations/{ref}/Participants/{sid} was not found"
        )
    chat = source in ("SDK", "API")
    name = participant.get("identity") if chat else receipts.address(participant)
    if not name:
        kind = "an identity" if chat else "an address"
        raise InvalidParameter(f"Participant {sid} has no {kind} to act as with Source={source}")
    return str(name)


async def actor_of(call: ScopedCall) -> Actor:
    source = one_of(call.form.get("Source") or "SDK", "Source", SOURCES)
    who = call.form.get("As")
    if not who:
        if source != "API":
            raise InvalidParameter(
                f"Missing required parameter As (the identity or address to act as) "
                f"for Source={source}"
            )
        return Actor(source=source, webhooks=True)
    if is_sid(who, "MB"):
        who = await _participant_name(call, who, source)
    elif source == "WHATSAPP" and not who.startswith("whatsapp:"):
        who = f"whatsapp:{who}"
    return Actor(source=source, client_identity=who, webhooks=True)


def acting(
    handler: Callable[[ActCall], Awaitable[Response]],
) -> Callable[[Call], Awaitable[Response]]:
    """Run ``handler`` as the end user the call names."""

    async def run(call: Call) -> Response:
        actor = await actor_of(scoped(call))
        return await handler(ActCall(call.request, call.rt, call.account, call.form, actor))

    return run


def _ids(act: ActCall) -> tuple[str, str, str]:
    return act.account.sid, act.service_sid, act.conversation


async def post(act: ActCall) -> Response:
    fields = act.form.fields(*MESSAGE_FIELDS)
    record = await messages.create(act.rt, act.actor, *_ids(act), fields)
    return json(render.message(act, record), 201)


async def edit(act: ActCall) -> Response:
    fields = act.form.fields(*EDIT_FIELDS)
    record = await messages.update(act.rt, act.actor, *_ids(act), act.path("Sid"), fields)
    return json(render.message(act, record))


async def remove(act: ActCall) -> Response:
    await messages.delete(act.rt, act.actor, *_ids(act), act.path("Sid"))
    return no_content()


async def update_conversation(act: ActCall) -> Response:
    fields = act.form.fields(*CONVERSATION_FIELDS)
    record = await conversations.update(act.rt, act.actor, *_ids(act), fields)
    return json(render.conversation(act, record))


async def create_conversation(act: ActCall) -> Response:
    """What a client SDK's ``createConversation`` does: the SDK user (who needs
    ``createConversation``) creates the conversation and is its first participant, with the
    service's ``DefaultConversationCreatorRoleSid`` (``channel admin`` unless configured)."""
    if act.actor.source != "SDK" or act.actor.client_identity is None:
        raise InvalidParameter("Creating a conversation needs As and Source SDK")
    ids = (act.account.sid, act.service_sid)
    await permissions.enforce_now(
        act.rt, act.actor, act.service_sid, None, [("createConversation",)]
    )
    conv = await conversations.create(act.rt, act.actor, *ids, act.form.fields(*CREATE_FIELDS))
    role = await service_configuration.creator_role_sid(act.rt, act.service_sid)
    creator = {"identity": str(act.actor.client_identity)}
    if role:
        creator["role_sid"] = role
    member = await participants.create(act.rt, act.actor, *ids, conv["sid"], creator)
    body = {
        "conversation": render.conversation(act, conv),
        "participant": render.participant(act, member),
    }
    return json(body, 201)


def _member_key(actor: Actor) -> str:
    """How the acting user is a participant: by identity (SDK) or by address."""
    if actor.source == "API" or actor.client_identity is None:
        raise InvalidParameter("Joining and leaving need As and Source SDK, SMS or WHATSAPP")
    return "identity" if actor.source == "SDK" else "address"


async def join(act: ActCall) -> Response:
    """Add the acting user as a participant (chat identity, or SMS/WhatsApp address)."""
    key = _member_key(act.actor)
    fields = act.form.fields(*JOIN_FIELDS)
    fields["identity" if key == "identity" else "messaging_binding_address"] = str(
        act.actor.client_identity
    )
    record = await participants.create(act.rt, act.actor, *_ids(act), fields)
    return json(render.participant(act, record), 201)


async def leave(act: ActCall) -> Response:
    """Remove the acting user's own participant."""
    key = _member_key(act.actor)
    who = str(act.actor.client_identity)
    found = await participants.find_member(act.rt, *_ids(act), key, who)
    if found is None:
        raise NotFound(f"{who} is not a participant of {act.conversation}")
    await participants.remove(act.rt, act.actor, found)
    return no_content()


def _route(path: str, handler: Callable[[ActCall], Awaitable[Response]], method: str,
           fields: tuple[str, ...] = ()) -> Route:  # fmt: skip
    return Route(path, endpoint(acting(handler), (*ACT_FIELDS, *fields)), methods=[method])


CONVERSATION = "/_hookline/Conversations/{ConversationSid}"
routes = [
    _route("/_hookline/Conversations", create_conversation, "POST", CREATE_FIELDS),
    _route(f"{CONVERSATION}/Messages", post, "POST", MESSAGE_FIELDS),
    _route(f"{CONVERSATION}/Messages/{{Sid}}", edit, "POST", EDIT_FIELDS),
    _route(f"{CONVERSATION}/Messages/{{Sid}}", remove, "DELETE"),
    _route(f"{CONVERSATION}/Participants", join, "POST", JOIN_FIELDS),
    _route(f"{CONVERSATION}/Participants", leave, "DELETE"),
    _route("/_hookline/Conversations/{Sid}", update_conversation, "POST", CONVERSATION_FIELDS),
]
