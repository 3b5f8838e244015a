"""Participant lookups behind the act-as-user endpoints (``/_hookline/Conversations/…``)."""

from __future__ import annotations

from typing import Any

from hookline.domain import conversations
from hookline.domain.runtime import Runtime
from hookline.types import Record


async def participant_in(
    rt: Runtime, account_sid: str, service_sid: str, conv_ref: str, **where: Any
) -> Record | None:
    """The participant matching ``where`` in conversation ``conv_ref`` (SID or unique
    name; NotFound if there is no such conversation), or None."""
    async with rt.store.read() as tx:
        conv = await conversations.find(tx, account_sid, service_sid, conv_ref)
        return await tx.get("participant", conversation_sid=conv["sid"], **where)
