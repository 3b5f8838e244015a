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

Routes: ``POST …/{CH}/Messages`` (post), ``POST|DELETE …/{CH}/Messages/{IM}`` (edit,
remove), ``POST …/{CH}`` (update the conversation: FriendlyName, Attributes, State),
``POST|DELETE …/{CH}/Participants`` (join, leave: the acting user adds or removes itself,
by identity for SDK, by address for SMS/WhatsApp).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.routing import Route

from hookline.api import conversations as api_conversations
from hookline.api import messages as api_messages
from hookline.api import participants as api_participants
from hookline.api.call import Call, Handler, endpoint, json, no_content
from hookline.control.scoped import ScopedCall, scoped
from hookline.domain import participants, receipts
from hookline.domain.member_lookup import participant_in
from hookline.domain.runtime import Actor
from hookline.domain.validation import one_of
from hookline.exceptions import InvalidParameter, NotFound
from hookline.sids import is_sid

SOURCES = ("SDK", "SMS", "WHATSAPP", "API")
ACT_FIELDS = ("As", "Source", "ChatServiceSid")
MESSAGE_FIELDS = (*ACT_FIELDS, "Body", "Attributes", "MediaSid", "ContentSid", "Subject")
EDIT_FIELDS = (*ACT_FIELDS, "Body", "Attributes", "Subject")
CONVERSATION_FIELDS = (*ACT_FIELDS, "FriendlyName", "Attributes", "State")
JOIN_FIELDS = (*ACT_FIELDS, "Attributes", "RoleSid", "MessagingBinding.ProxyAddress")


@dataclass
class ActCall(ScopedCall):
    """A scoped call whose actor is the end user named by ``As``/``Source``."""

    acting: Actor = field(default_factory=Actor)

    @property
    def actor(self) -> Actor:
        return self.acting


async def _participant_name(call: ScopedCall, sid: str, source: str) -> str:
    """The identity (SDK, API) or address (SMS, WhatsApp) of participant ``sid``."""
    ref = call.request.path_params.get("ConversationSid") or call.path("Sid")
    participant = await participant_in(call.rt, call.account.sid, call.service_sid, ref, sid=sid)
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


async def act_call(call: Call) -> ActCall:
    actor = await actor_of(scoped(call))
    return ActCall(call.request, call.rt, call.account, call.form, actor)


def acting(handler: Handler) -> Handler:
    """Run a ``/v1`` handler as the end user the call names."""

    async def run(call: Call) -> Response:
        return await handler(await act_call(call))

    return run


def _member_key(actor: Actor) -> str:
    """How the acting user is a participant: by identity (SDK) or by address."""
    if actor.source == "API" or actor.client_identity is None:
        raise InvalidParameter("Joining and leaving need As and Source SDK, SMS or WHATSAPP")
    return "identity" if actor.source == "SDK" else "address"


async def join(call: Call) -> Response:
    """Add the acting user as a participant (chat identity, or SMS/WhatsApp address)."""
    act = await act_call(call)
    key = _member_key(act.actor)
    fields = act.form.pick("Attributes", "RoleSid", "MessagingBinding.ProxyAddress")
    fields["Identity" if key == "identity" else "MessagingBinding.Address"] = str(
        act.actor.client_identity
    )
    record = await participants.create(
        act.rt, act.actor, act.account.sid, act.service_sid, act.path("ConversationSid"), fields
    )
    return json(api_participants.render(act, record), 201)


async def leave(call: Call) -> Response:
    """Remove the acting user's own participant."""
    act = await act_call(call)
    key = _member_key(act.actor)
    ref = act.path("ConversationSid")
    where = {key: act.actor.client_identity}
    found = await participant_in(act.rt, act.account.sid, act.service_sid, ref, **where)
    if found is None:
        raise NotFound(f"{act.actor.client_identity} is not a participant of {ref}")
    await participants.remove(act.rt, act.actor, found)
    return no_content()


CONVERSATION = "/_hookline/Conversations/{ConversationSid}"
routes = [
    Route(
        f"{CONVERSATION}/Messages",
        endpoint(acting(api_messages.create), MESSAGE_FIELDS),
        methods=["POST"],
    ),
    Route(
        f"{CONVERSATION}/Messages/{{Sid}}",
        endpoint(acting(api_messages.update), EDIT_FIELDS),
        methods=["POST"],
    ),
    Route(
        f"{CONVERSATION}/Messages/{{Sid}}",
        endpoint(acting(api_messages.delete)),
        methods=["DELETE"],
    ),
    Route(f"{CONVERSATION}/Participants", endpoint(join, JOIN_FIELDS), methods=["POST"]),
    Route(f"{CONVERSATION}/Participants", endpoint(leave), methods=["DELETE"]),
    Route(
        "/_hookline/Conversations/{Sid}",
        endpoint(acting(api_conversations.update), CONVERSATION_FIELDS),
        methods=["POST"],
    ),
]
