"""Push bindings (``BS…``): a user's device registered for push notifications.

In Twilio only a client SDK's push registration creates one; hookline creates them with
``POST /_hookline/Services/{IS}/Bindings`` (:func:`register`), and Twilio's API lists,
fetches and deletes them. A device (service, binding type, address) has one binding:
registering it again moves it to the new identity and credential, keeping its SID.
"""

from __future__ import annotations

from hookline.domain import credentials, services, users
from hookline.domain.paging import Page, PageRequest, read_page
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import one_of, sid_param
from hookline.exceptions import InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

TYPES = ("apn", "gcm", "fcm")
#: The notifications a Conversations binding receives (Twilio's ``message_types``).
MESSAGE_TYPES = ["new_message", "added_to_conversation", "removed_from_conversation"]
MAX_ADDRESS = 255


async def find(tx: Tx, account_sid: str, service_sid: str, sid: str) -> Record:
    found = None
    if is_sid(sid, "BS"):
        found = await tx.get(
            "binding", sid=sid, account_sid=account_sid, chat_service_sid=service_sid
        )
    if found is None:
        raise NotFound(f"The requested resource /Bindings/{sid} was not found")
    return found


async def get(rt: Runtime, account_sid: str, service_sid: str, sid: str) -> Record:
    async with rt.store.read() as tx:
        return await find(tx, account_sid, service_sid, sid)


async def delete(rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, sid: str) -> None:
    async with rt.store.transaction() as tx:
        binding = await find(tx, account_sid, service_sid, sid)
        await tx.delete("binding", sid=binding["sid"])


async def listing(
    rt: Runtime,
    account_sid: str,
    service_sid: str,
    binding_types: list[str],
    identities: list[str],
    request: PageRequest,
) -> Page[Record]:
    """``binding_types`` and ``identities`` (each repeatable, as Twilio's ``BindingType``
    and ``Identity``): bindings matching any of the given values; empty: no filter."""
    for kind in binding_types:
        one_of(kind, "BindingType", TYPES)
    where: dict[str, object] = {"account_sid": account_sid, "chat_service_sid": service_sid}
    if binding_types:
        where["binding_type"] = list(binding_types)
    if identities:
        where["identity"] = list(identities)
    async with rt.store.read() as tx:
        await services.get_in(tx, account_sid, service_sid)
        return await read_page(tx, "binding", where, request)


async def register(
    rt: Runtime, account_sid: str, service_sid: str, fields: dict[str, str]
) -> Record:
    """Create (or move) the binding of one device; a missing credential is 404."""
    identity = users.check_identity(fields.get("identity"))
    kind = one_of(fields.get("binding_type"), "BindingType", TYPES)
    address = fields.get("address")
    if not address:
        raise InvalidParameter("Missing required parameter Address in the post body")
    if len(address) > MAX_ADDRESS:
        raise InvalidParameter(f"Address must be at most {MAX_ADDRESS} characters")
    credential_sid = sid_param(fields.get("credential_sid"), "CR", "CredentialSid")
    if credential_sid is None:
        raise InvalidParameter("Missing required parameter CredentialSid in the post body")
    async with rt.store.transaction() as tx:
        await services.get_in(tx, account_sid, service_sid)
        await credentials.find(tx, account_sid, credential_sid)
        await tx.serialize_on(f"binding:{service_sid}:{kind}:{address}")
        now = rt.now_iso()
        existing = await tx.get(
            "binding", chat_service_sid=service_sid, binding_type=kind, address=address
        )
        changes = {
            "identity": identity,
            "credential_sid": credential_sid,
            "endpoint": f"{identity}:{address}",
            "date_updated": now,
        }
        if existing:
            binding = existing | changes
            await tx.update("binding", binding)
            return binding
        binding = {
            "sid": rt.sids.new("BS"),
            "account_sid": account_sid,
            "chat_service_sid": service_sid,
            "binding_type": kind,
            "address": address,
            "message_types": list(MESSAGE_TYPES),
            "date_created": now,
        } | changes
        await tx.insert("binding", binding)
        return binding
