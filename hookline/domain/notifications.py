"""``/v1/Services/{IS}/Configuration/Notifications``: a service's push notification
settings, stored and returned as Twilio documents them (hookline sends no push
notifications). Kept in the service's ``configurations`` row under ``notifications``."""

from __future__ import annotations

import copy

from hookline.domain import services
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.service_configuration import stored_in, update_doc
from hookline.domain.validation import boolean
from hookline.exceptions import InvalidParameter
from hookline.types import Record

#: Twilio's settings of a new service: everything off, no templates or sounds.
DEFAULTS: Record = {
    "new_message": {
        "enabled": False,
        "template": None,
        "sound": None,
        "badge_count_enabled": False,
        "with_media": {"enabled": False, "template": None},
    },
    "added_to_conversation": {"enabled": False, "template": None, "sound": None},
    "removed_from_conversation": {"enabled": False, "template": None, "sound": None},
    "log_enabled": False,
}

#: Form parameter → path in the document; booleans are parsed, the rest kept as text.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "LogEnabled": ("log_enabled",),
    "NewMessage.Enabled": ("new_message", "enabled"),
    "NewMessage.Template": ("new_message", "template"),
    "NewMessage.Sound": ("new_message", "sound"),
    "NewMessage.BadgeCountEnabled": ("new_message", "badge_count_enabled"),
    "NewMessage.WithMedia.Enabled": ("new_message", "with_media", "enabled"),
    "NewMessage.WithMedia.Template": ("new_message", "with_media", "template"),
    "AddedToConversation.Enabled": ("added_to_conversation", "enabled"),
    "AddedToConversation.Template": ("added_to_conversation", "template"),
    "AddedToConversation.Sound": ("added_to_conversation", "sound"),
    "RemovedFromConversation.Enabled": ("removed_from_conversation", "enabled"),
    "RemovedFromConversation.Template": ("removed_from_conversation", "template"),
    "RemovedFromConversation.Sound": ("removed_from_conversation", "sound"),
}
#: hookline's bound on a template or sound name (Twilio documents none).
MAX_TEXT = 1024


def _merged(stored: Record | None) -> Record:
    """The saved settings (always a whole document, see :func:`update`), else the defaults."""
    saved = (stored or {}).get("notifications")
    return copy.deepcopy(saved if saved else DEFAULTS)


def _set(doc: Record, path: tuple[str, ...], value: object) -> None:
    for key in path[:-1]:
        doc = doc.setdefault(key, {})
    doc[path[-1]] = value


def _value(name: str, raw: str) -> object:
    if name.endswith("Enabled"):
        return boolean(raw, name) if raw != "" else False
    if len(raw) > MAX_TEXT:
        raise InvalidParameter(f"{name} must be at most {MAX_TEXT} characters")
    return raw or None


async def get(rt: Runtime, account_sid: str, service_sid: str) -> Record:
    async with rt.store.read() as tx:
        await services.get_in(tx, account_sid, service_sid)
        return _body(account_sid, service_sid, await stored_in(tx, service_sid))


def _body(account_sid: str, service_sid: str, stored: Record | None) -> Record:
    return {"account_sid": account_sid, "chat_service_sid": service_sid} | _merged(stored)


async def update(
    rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, given: dict[str, str]
) -> Record:
    """``given``: the form's parameters by their wire names (``NewMessage.Enabled`` …)."""
    values = {name: _value(name, raw) for name, raw in given.items()}
    async with rt.store.transaction() as tx:
        await services.get_in(tx, account_sid, service_sid)
        settings = _merged(await stored_in(tx, service_sid))
        for name, value in values.items():
            _set(settings, PARAMETERS[name], value)
        await update_doc(tx, account_sid, service_sid, {"notifications": settings})
        return _body(account_sid, service_sid, await stored_in(tx, service_sid))
