"""``/v1/Credentials``: the account's push credentials (``CR…``) for APNs, GCM and FCM.

Each type needs its secret: ``apn`` a ``Certificate`` and a ``PrivateKey``, ``gcm`` an
``ApiKey``, ``fcm`` a ``Secret`` (missing: 400 / 20001). Twilio never shows them again,
and hookline, which sends no push notifications, does not even keep them: the secret
parameters are checked for presence and dropped before anything is stored or logged.
Deleting a credential deletes the bindings made with it (they could not be used).
"""

from __future__ import annotations

from dataclasses import dataclass

from hookline.domain.paging import Page, PageRequest, read_page
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import boolean, one_of
from hookline.exceptions import InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

TYPES = ("apn", "gcm", "fcm")
#: The write-only parameters each type needs, by their form names.
SECRETS = {"apn": ("Certificate", "PrivateKey"), "gcm": ("ApiKey",), "fcm": ("Secret",)}
ALL_SECRETS = ("Certificate", "PrivateKey", "ApiKey", "Secret")
MAX_NAME = 64


@dataclass(frozen=True)
class CredentialFields:
    """A credential's form: the plain fields, and which secrets were given (not what)."""

    type: str | None = None
    friendly_name: str | None = None
    sandbox: str | None = None
    secrets_given: frozenset[str] = frozenset()


async def find(tx: Tx, account_sid: str, sid: str) -> Record:
    found = None
    if is_sid(sid, "CR"):
        found = await tx.get("credential", sid=sid, account_sid=account_sid)
    if found is None:
        raise NotFound(f"The requested resource /Credentials/{sid} was not found")
    return found


def _name(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_NAME:
        raise InvalidParameter(f"FriendlyName must be at most {MAX_NAME} characters")
    return value or None


def _sandbox(kind: str, value: str | None, current: str | None) -> str | None:
    """Twilio renders ``sandbox`` as a string; it means something for APNs only."""
    given = boolean(value, "Sandbox")
    if kind != "apn":
        return None
    if given is None:
        return current if current is not None else "false"
    return "true" if given else "false"


async def create(rt: Runtime, _actor: Actor, account_sid: str, fields: CredentialFields) -> Record:
    kind = one_of(fields.type, "Type", TYPES)
    missing = [name for name in SECRETS[kind] if name not in fields.secrets_given]
    if missing:
        raise InvalidParameter(
            f"Missing required parameter {' and '.join(missing)} for a {kind} credential"
        )
    now = rt.now_iso()
    record: Record = {
        "sid": rt.sids.new("CR"),
        "account_sid": account_sid,
        "friendly_name": _name(fields.friendly_name),
        "type": kind,
        "sandbox": _sandbox(kind, fields.sandbox, None),
        "date_created": now,
        "date_updated": now,
    }
    async with rt.store.transaction() as tx:
        await tx.insert("credential", record)
    return record


async def update(
    rt: Runtime, _actor: Actor, account_sid: str, sid: str, fields: CredentialFields
) -> Record:
    async with rt.store.transaction() as tx:
        record = await find(tx, account_sid, sid)
        kind = record["type"]
        if fields.type is not None and one_of(fields.type, "Type", TYPES) != kind:
            raise InvalidParameter(f"Type cannot change: this is a {kind} credential")
        changes: Record = {"date_updated": rt.now_iso()}
        if fields.friendly_name is not None:
            changes["friendly_name"] = _name(fields.friendly_name)
        changes["sandbox"] = _sandbox(kind, fields.sandbox, record.get("sandbox"))
        record = record | changes
        await tx.update("credential", record)
    return record


async def delete(rt: Runtime, _actor: Actor, account_sid: str, sid: str) -> None:
    async with rt.store.transaction() as tx:
        record = await find(tx, account_sid, sid)
        await tx.delete("binding", credential_sid=record["sid"])
        await tx.delete("credential", sid=record["sid"])


async def get(rt: Runtime, account_sid: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        return await find(tx, account_sid, sid)


async def listing(
    rt: Runtime, account_sid: str, _filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    async with rt.store.read() as tx:
        return await read_page(tx, "credential", {"account_sid": account_sid}, request)
