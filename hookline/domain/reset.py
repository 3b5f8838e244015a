"""Reset an account to how it started: an empty default Conversation Service.

Everything the account made is deleted in one transaction: conversations, participants,
messages, receipts, users, roles, scoped webhooks, webhook configuration (global and per
service), services other than the default, Studio flow mappings, events, deliveries and
their attempts. Kept: the account, its Auth Token and API keys, and the default service
(same SID and name), whose roles are back to the four default roles (with new SIDs).
"""

from __future__ import annotations

from hookline.domain import roles
from hookline.domain.accounts import Account
from hookline.domain.runtime import Runtime


async def reset_account(rt: Runtime, account: Account) -> None:
    await rt.sink.settled()  # no pre-event log of before the reset lands after it
    async with rt.store.transaction() as tx:
        await tx.delete_account_data(account.sid, keep_service_sid=account.default_service_sid)
        await roles.create_defaults(tx, rt, account.sid, account.default_service_sid)
