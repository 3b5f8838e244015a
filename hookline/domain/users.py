"""Conversation Users: one per identity and service; service-level events, no conversation.

Events (docs/webhook-events.md §1.5/§1.6): ``onUserAdded`` (no pre-event), ``onUserUpdate`` /
``onUserUpdated``. hookline has no SDK connections or push registrations, so the REST
``is_online`` / ``is_notifiable`` are ``null`` (reachability is off, see the service
configuration) and ``onUserUpdated`` reports ``isOnline`` / ``isNotifiable`` as ``false``
unless a record says otherwise (hookline's choice; Twilio's encoding is UNCONFIRMED).

Codes: a taken identity is 409 / 50201 (User already exists); a RoleSid that is not a
service-level role of this service is 400 / 50100 (Role not found).
"""

from __future__ import annotations

from hookline.domain import emit, service_configuration, services
from hookline.domain.emit import Scope
from hookline.domain.paging import Page, PageRequest, page_of
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import attributes, sid_param
from hookline.exceptions import Conflict, Duplicate, InvalidParameter, NotFound
from hookline.sids import is_sid
from hookline.store import Tx
from hookline.types import Record

MAX_IDENTITY = 255  # the identity column's width (Twilio documents 256)


def event_params(user: Record, name: str) -> dict[str, str | None]:
    """Parameters of each user event, exactly as docs/webhook-events.md lists them."""
    params: dict[str, str | None] = {
        "ChatServiceSid": user["chat_service_sid"],
        "UserSid": user["sid"],
        "Identity": user["identity"],
        "RoleSid": user["role_sid"],
        "Attributes": user["attributes"],
        "FriendlyName": user.get("friendly_name"),
    }
    if name != "onUserUpdate":
        params["DateCreated"] = user["date_created"]
    if name != "onUserAdded":
        params["DateUpdated"] = user["date_updated"]
    if name == "onUserUpdated":
        params["isOnline"] = "true" if user.get("is_online") else "false"
        params["isNotifiable"] = "true" if user.get("is_notifiable") else "false"
    return params


def check_identity(identity: str | None, *, required: bool = True) -> str | None:
    if not identity:
        if required:
            raise InvalidParameter("Missing required parameter Identity in the post body")
        return None
    if len(identity) > MAX_IDENTITY:
        raise InvalidParameter(f"Identity must be at most {MAX_IDENTITY} characters")
    return identity


def _check(fields: dict[str, str]) -> None:
    attributes(fields.get("attributes"))
    sid_param(fields.get("role_sid"), "RL", "RoleSid")
    name = fields.get("friendly_name")
    if name is not None and len(name) > 256:
        raise InvalidParameter("FriendlyName must be at most 256 characters")


async def role_of_type(
    tx: Tx, service_sid: str, role_sid: str | None, kind: str, default: str, code: int
) -> str:
    """``role_sid`` if it is a ``kind`` role of the service, else the service's default
    for the built-in role ``default`` (its configuration may name another role)."""
    if not role_sid:
        found = await service_configuration.default_role_sid(tx, service_sid, default)
        if found is None:
            raise NotFound(f"The service {service_sid} has no '{default}' role")
        return found
    role = await tx.get("role", sid=role_sid, chat_service_sid=service_sid)
    if role is None or role["type"] != kind:
        raise InvalidParameter(f"Role {role_sid} is not a {kind} role of this service", code=code)
    return role_sid


async def find(tx: Tx, account_sid: str, service_sid: str, ref: str) -> Record:
    """A user by SID (US…) or by identity within one service; 404 otherwise."""
    where = {"account_sid": account_sid, "chat_service_sid": service_sid}
    if is_sid(ref, "US"):
        found = await tx.get("user", sid=ref, **where)
    else:
        found = await tx.get("user", identity=ref, **where)
    if found is None:
        raise NotFound(f"The requested resource /Users/{ref} was not found")
    return found


def _record(rt: Runtime, account_sid: str, service_sid: str, identity: str) -> Record:
    now = rt.now_iso()
    return {
        "sid": rt.sids.new("US"),
        "account_sid": account_sid,
        "chat_service_sid": service_sid,
        "role_sid": None,
        "identity": identity,
        "friendly_name": None,
        "attributes": "{}",
        "is_online": None,
        "is_notifiable": None,
        "date_created": now,
        "date_updated": now,
    }


async def _insert_in(rt: Runtime, tx: Tx, actor: Actor, user: Record) -> None:
    await tx.insert("user", user)
    scope = Scope(user["account_sid"], user["chat_service_sid"])
    await emit.post(rt, tx, actor, "onUserAdded", scope, event_params(user, "onUserAdded"))


async def ensure_in(
    rt: Runtime, tx: Tx, actor: Actor, account_sid: str, service_sid: str, identity: str
) -> Record:
    """The service's user for ``identity``, created (with ``onUserAdded``) if missing."""
    where = {"account_sid": account_sid, "chat_service_sid": service_sid}
    await serialize_identity(tx, service_sid, identity)
    existing = await tx.get("user", identity=identity, **where)
    if existing is not None:
        return existing
    user = _record(rt, account_sid, service_sid, identity)
    user["role_sid"] = await role_of_type(tx, service_sid, None, "service", "service user", 50100)
    await _insert_in(rt, tx, actor, user)
    return user


async def serialize_identity(tx: Tx, service_sid: str, identity: str) -> None:
    """Queue behind any other transaction creating this identity's User (first joins of one
    identity to several conversations at once must all find the one User, not collide on
    its unique key). See docs/concurrency.md."""
    await tx.serialize_on(f"user:{service_sid}:{identity}")


def _taken(identity: str) -> Conflict:
    return Conflict(f"User with identity {identity} already exists", code=50201)


async def create(
    rt: Runtime, actor: Actor, account_sid: str, service_sid: str, fields: dict[str, str]
) -> Record:
    _check(fields)
    identity = check_identity(fields.get("identity"))
    assert identity is not None
    user = _record(rt, account_sid, service_sid, identity) | _changes(fields)
    try:
        async with emit.action(rt) as tx:
            await services.get_in(tx, account_sid, service_sid)
            await serialize_identity(tx, service_sid, identity)
            if await tx.get("user", chat_service_sid=service_sid, identity=identity):
                raise _taken(identity)
            user["role_sid"] = await role_of_type(
                tx, service_sid, fields.get("role_sid"), "service", "service user", 50100
            )
            await _insert_in(rt, tx, actor, user)
    except Duplicate:
        raise _taken(identity) from None
    return user


def _changes(fields: dict[str, str]) -> Record:
    return {key: value for key, value in fields.items() if key in ("friendly_name", "attributes")}


async def update(
    rt: Runtime,
    actor: Actor,
    account_sid: str,
    service_sid: str,
    ref: str,
    fields: dict[str, str],
) -> Record:
    _check(fields)
    async with rt.store.read() as tx:
        user = await find(tx, account_sid, service_sid, ref)
        role_sid = user["role_sid"]
        if fields.get("role_sid"):
            role_sid = await role_of_type(
                tx, service_sid, fields["role_sid"], "service", "service user", 50100
            )
    updated = user | _changes(fields) | {"role_sid": role_sid, "date_updated": rt.now_iso()}
    scope = Scope(account_sid, service_sid)
    await emit.pre(rt, actor, "onUserUpdate", scope, event_params(updated, "onUserUpdate"))
    async with emit.action(rt) as tx:
        await tx.update("user", updated)
        params = event_params(updated, "onUserUpdated")
        await emit.post(rt, tx, actor, "onUserUpdated", scope, params)
    return updated


async def delete(rt: Runtime, _actor: Actor, account_sid: str, service_sid: str, ref: str) -> None:
    """Twilio has no user-removal event. The user's participants stay in their
    conversations (hookline's choice: they are separate resources)."""
    async with rt.store.transaction() as tx:
        user = await find(tx, account_sid, service_sid, ref)
        await tx.delete("user", sid=user["sid"])


async def get(rt: Runtime, account_sid: str, service_sid: str, ref: str) -> Record:
    async with rt.store.read() as tx:
        user = await find(tx, account_sid, service_sid, ref)
        return user | await _reachability(tx, user)


async def _reachability(tx: Tx, user: Record) -> Record:
    """What a fetch shows with the service's ``ReachabilityEnabled``: ``is_notifiable`` is
    true once the user has a push binding (null before, and always null when disabled, or
    in a list, as Twilio documents). ``is_online`` stays null: hookline has no SDK
    connections to be online with."""
    settings = await service_configuration.stored_in(tx, user["chat_service_sid"]) or {}
    if not settings.get("reachability_enabled"):
        return {}
    where = {"chat_service_sid": user["chat_service_sid"], "identity": user["identity"]}
    return {"is_notifiable": True} if await tx.count("binding", **where) else {}


async def listing(
    rt: Runtime, account_sid: str, service_sid: str, _filters: dict[str, str], request: PageRequest
) -> Page[Record]:
    await services.get(rt, account_sid, service_sid)
    where = {"account_sid": account_sid, "chat_service_sid": service_sid}
    return await page_of(rt, "user", where, request)
