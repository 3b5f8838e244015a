"""Where an event goes (docs/webhook-events.md §5): the service-or-global configuration, then each
matching conversation-scoped webhook.

Trigger matching (hookline's documented rule): a ``trigger`` webhook fires
``onMessageAdded`` when the message body, trimmed and case-folded, starts with one of the
keywords as a whole word (``"help me"`` matches keyword ``help``; ``"helpful"`` does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hookline.domain import webhook_config
from hookline.domain.events import Event
from hookline.store import Tx


@dataclass(frozen=True)
class Target:
    #: ``config`` (global/service URL), ``webhook``, ``trigger``, ``studio``, ``flex``.
    kind: str
    url: str | None
    method: str
    webhook_sid: str | None = None
    #: Why it cannot be delivered (unmapped Studio flow, Flex target); logged, not dropped.
    undeliverable: str | None = None


def trigger_matches(body: str | None, keywords: list[str]) -> bool:
    if not body:
        return False
    text = body.strip().casefold()
    for keyword in keywords:
        word = keyword.strip().casefold()
        if word and re.match(re.escape(word) + r"(\W|$)", text):
            return True
    return False


class Unknown:
    """The type of :data:`UNKNOWN`."""


#: "Not looked up yet", unlike None ("looked up: there is no pre-event target").
UNKNOWN = Unknown()


async def pre_event_target(tx: Tx, event: Event) -> Target | None:
    config = await webhook_config.effective(tx, event.account_sid, event.chat_service_sid)
    if event.name not in (config.get("filters") or []) or not config.get("pre_webhook_url"):
        return None
    if config.get("target") == "flex":
        return None
    return Target("config", config["pre_webhook_url"], config.get("method") or "POST")


async def post_event_targets(tx: Tx, event: Event) -> list[Target]:
    targets: list[Target] = []
    if event.only_webhook_sid is None:
        config = await webhook_config.effective(tx, event.account_sid, event.chat_service_sid)
        wanted = event.name in (config.get("filters") or [])
        if wanted and config.get("post_webhook_url"):
            if config.get("target") == "flex":
                reason = "global Target=flex: Twilio routes these to Flex; hookline has no Flex"
                targets.append(Target("flex", None, "POST", undeliverable=reason))
            else:
                method = config.get("method") or "POST"
                targets.append(Target("config", config["post_webhook_url"], method))
    if event.conversation_sid:
        targets.extend(await _scoped_targets(tx, event))
    return targets


async def _scoped_targets(tx: Tx, event: Event) -> list[Target]:
    assert event.conversation_sid is not None
    found: list[Target] = []
    for hook in await tx.find("scoped_webhook", conversation_sid=event.conversation_sid):
        if event.only_webhook_sid is not None and hook["sid"] != event.only_webhook_sid:
            continue
        config = hook["configuration"]
        method = (config.get("method") or "post").upper()
        target = hook["target"]
        if target == "webhook" and event.name in config.get("filters", []):
            found.append(Target("webhook", config["url"], method, hook["sid"]))
        elif target == "trigger" and event.name == "onMessageAdded":
            if trigger_matches(event.message_body, config.get("triggers", [])):
                found.append(Target("trigger", config["url"], method, hook["sid"]))
        elif target == "studio" and event.name == "onMessageAdded":
            found.append(await _studio_target(tx, event.account_sid, hook))
    return found


async def _studio_target(tx: Tx, account_sid: str, hook: dict[str, object]) -> Target:
    flow_sid = str(hook["configuration"]["flow_sid"])  # type: ignore[index]
    url = await tx.flow_url(account_sid, flow_sid)
    if url is None:
        reason = f"Studio flow {flow_sid} has no URL mapped (hookline flows map {flow_sid} URL)"
        return Target("studio", None, "POST", str(hook["sid"]), undeliverable=reason)
    return Target("studio", url, "POST", str(hook["sid"]))
