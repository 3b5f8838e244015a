"""Global (account) and per-service webhook configuration.

hookline's choices where Twilio is silent (docs/twilio-behaviour.md):
- a service "has service-level hooks" when its configuration has a pre- or post-event URL;
  then only its hooks fire, otherwise the account's global ones do;
- an empty ``Filters`` list delivers nothing ("events not configured here will not fire").
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain import services
from hookline.domain.events import ALL_EVENTS
from hookline.domain.runtime import Runtime
from hookline.domain.validation import http_url, method, one_of
from hookline.exceptions import InvalidParameter
from hookline.store import Tx
from hookline.types import Record

GLOBAL = ""


@dataclass(frozen=True)
class ConfigUpdate:
    """The form fields of an update; ``None`` leaves a field unchanged."""

    pre_webhook_url: str | None = None
    post_webhook_url: str | None = None
    method: str | None = None
    filters: list[str] | None = None
    target: str | None = None


def empty(account_sid: str, service_sid: str) -> Record:
    record: Record = {
        "account_sid": account_sid,
        "pre_webhook_url": None,
        "post_webhook_url": None,
        "method": "POST",
        "filters": [],
    }
    if service_sid == GLOBAL:
        record["target"] = "webhook"
    else:
        record["chat_service_sid"] = service_sid
    return record


def check_filters(filters: list[str], allowed: frozenset[str] = ALL_EVENTS) -> list[str]:
    unknown = [name for name in filters if name not in allowed]
    if unknown:
        raise InvalidParameter(
            f"Filters contains unknown event names: {', '.join(unknown)}. "
            f"Allowed: {', '.join(sorted(allowed))}"
        )
    return list(dict.fromkeys(filters))


async def get(tx: Tx, account_sid: str, service_sid: str = GLOBAL) -> Record:
    stored = await tx.webhook_config(account_sid, service_sid)
    return stored if stored is not None else empty(account_sid, service_sid)


async def update(tx: Tx, account_sid: str, service_sid: str, change: ConfigUpdate) -> Record:
    """Apply ``change`` to the stored configuration; call inside a write transaction.

    Concurrency (docs/concurrency.md): updates of one scope take its advisory lock before
    reading, so each read-modify-write sees the previous one's result (no field another
    writer set is lost) and the last writer wins; the save itself is one upsert, so two
    first saves of a scope never collide on its unique key.
    """
    await tx.serialize_on(f"webhook-config:{account_sid}:{service_sid}")
    record = await get(tx, account_sid, service_sid)
    # An empty string clears a URL, as the Console's "clear" does.
    if change.pre_webhook_url is not None:
        record["pre_webhook_url"] = http_url(change.pre_webhook_url, "PreWebhookUrl")
    if change.post_webhook_url is not None:
        record["post_webhook_url"] = http_url(change.post_webhook_url, "PostWebhookUrl")
    if change.method:  # sent empty: not given (docs/twilio-behaviour.md), the method stays
        record["method"] = method(change.method, "Method")
    if change.filters is not None:
        record["filters"] = check_filters(change.filters)
    if change.target is not None:
        if service_sid != GLOBAL:
            raise InvalidParameter("Target is only accepted on the global configuration")
        record["target"] = one_of(change.target, "Target", ("webhook", "flex"))
    await tx.save_webhook_config(account_sid, service_sid, record)
    return record


def is_configured(record: Record) -> bool:
    return bool(record.get("pre_webhook_url") or record.get("post_webhook_url"))


async def effective(tx: Tx, account_sid: str, service_sid: str | None) -> Record:
    """The configuration that applies to events of ``service_sid`` (seed 000 precedence)."""
    if service_sid:
        service_config = await tx.webhook_config(account_sid, service_sid)
        if service_config is not None and is_configured(service_config):
            return service_config
    return await get(tx, account_sid, GLOBAL)


async def fetch(rt: Runtime, account_sid: str, service_sid: str = GLOBAL) -> Record:
    """The configuration of one scope (``GLOBAL`` or a service of the account)."""
    async with rt.store.read() as tx:
        if service_sid != GLOBAL:
            await services.get_in(tx, account_sid, service_sid)
        return await get(tx, account_sid, service_sid)


async def change(rt: Runtime, account_sid: str, service_sid: str, update_: ConfigUpdate) -> Record:
    """Apply an update to one scope's configuration; the last writer wins."""
    async with rt.store.transaction() as tx:
        if service_sid != GLOBAL:
            await services.get_in(tx, account_sid, service_sid)
        return await update(tx, account_sid, service_sid, update_)
