from __future__ import annotations

import pytest

from hookline.domain import bindings, credentials, services
from hookline.domain.accounts import Account
from hookline.domain.credentials import CredentialFields
from hookline.domain.paging import PageRequest
from hookline.domain.runtime import Actor, Runtime
from hookline.exceptions import InvalidParameter, NotFound

API = Actor()
FCM = CredentialFields("fcm", "android", None, frozenset({"Secret"}))


async def test_no_secret_is_kept(rt: Runtime, account: Account) -> None:
    apn = CredentialFields("apn", None, "true", frozenset({"Certificate", "PrivateKey"}))
    record = await credentials.create(rt, API, account.sid, apn)
    async with rt.store.read() as tx:
        stored = await tx.get("credential", sid=record["sid"])
    assert stored == record
    assert set(record) == {
        "sid", "account_sid", "friendly_name", "type", "sandbox", "date_created", "date_updated",
    }  # fmt: skip
    assert record["sandbox"] == "true"


@pytest.mark.parametrize(
    "fields",
    [
        CredentialFields("fcm"),
        CredentialFields("apn", secrets_given=frozenset({"Certificate"})),
        CredentialFields("gcm", secrets_given=frozenset({"Secret"})),
        CredentialFields(None, secrets_given=frozenset({"Secret"})),
        CredentialFields("fcm", sandbox="maybe", secrets_given=frozenset({"Secret"})),
    ],
)
async def test_incomplete_credentials_are_refused(
    rt: Runtime, account: Account, fields: CredentialFields
) -> None:
    with pytest.raises(InvalidParameter):
        await credentials.create(rt, API, account.sid, fields)


def _device(credential: str, identity: str, address: str, kind: str = "fcm") -> dict[str, str]:
    return {
        "identity": identity,
        "binding_type": kind,
        "address": address,
        "credential_sid": credential,
    }


async def test_bindings_register_move_filter_and_go_with_their_credential(
    rt: Runtime, account: Account
) -> None:
    ids = (account.sid, account.default_service_sid)
    fcm = (await credentials.create(rt, API, account.sid, FCM))["sid"]
    apn_fields = CredentialFields("apn", secrets_given=frozenset({"Certificate", "PrivateKey"}))
    apn = (await credentials.create(rt, API, account.sid, apn_fields))["sid"]
    a = await bindings.register(rt, *ids, _device(fcm, "alice", "t1"))
    b = await bindings.register(rt, *ids, _device(apn, "bob", "t2", "apn"))
    c = await bindings.register(rt, *ids, _device(fcm, "carol", "t3"))
    moved = await bindings.register(rt, *ids, _device(fcm, "dave", "t1"))
    assert moved["sid"] == a["sid"] and moved["identity"] == "dave"

    async def listed(kinds: list[str], identities: list[str]) -> list[str]:
        page = await bindings.listing(rt, *ids, kinds, identities, PageRequest(10))
        return [record["sid"] for record in page.records]

    assert await listed([], []) == [a["sid"], b["sid"], c["sid"]]
    assert await listed(["apn"], []) == [b["sid"]]
    assert await listed([], ["dave", "carol"]) == [a["sid"], c["sid"]]
    assert await listed(["fcm", "apn"], ["bob", "carol"]) == [b["sid"], c["sid"]]
    with pytest.raises(InvalidParameter):
        await listed(["sms"], [])

    await credentials.delete(rt, API, account.sid, fcm)
    assert await listed([], []) == [b["sid"]]
    with pytest.raises(NotFound):
        await bindings.get(rt, *ids, a["sid"])


async def test_a_binding_needs_an_existing_credential_of_the_account(
    rt: Runtime, account: Account
) -> None:
    ids = (account.sid, account.default_service_sid)
    with pytest.raises(NotFound) as caught:
        await bindings.register(rt, *ids, _device("CR" + "0" * 32, "alice", "t"))
    assert caught.value.message == f"The requested resource /Credentials/CR{'0' * 32} was not found"
    other = await services.create(rt, API, account.sid, {"friendly_name": "other"})
    fcm = (await credentials.create(rt, API, account.sid, FCM))["sid"]
    binding = await bindings.register(rt, account.sid, other["sid"], _device(fcm, "a", "t"))
    with pytest.raises(NotFound):
        await bindings.get(rt, *ids, binding["sid"])
    await services.delete(rt, API, account.sid, other["sid"])
    async with rt.store.read() as tx:
        assert await tx.count("binding") == 0
