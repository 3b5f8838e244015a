"""The Studio flow map: which URL a ``studio`` scoped webhook's flow SID (FW…) posts to.

hookline has no Studio; ``hookline flows map FW… URL`` says where such a flow lives.
"""

from __future__ import annotations

from hookline.domain.runtime import Runtime
from hookline.domain.validation import http_url
from hookline.exceptions import InvalidParameter
from hookline.sids import is_sid
from hookline.types import Record


async def all_flows(rt: Runtime, account_sid: str) -> list[Record]:
    async with rt.store.read() as tx:
        rows = await tx.flows(account_sid)
    return [{"flow_sid": row.flow_sid, "url": row.url} for row in rows]


async def map_flow(rt: Runtime, account_sid: str, flow_sid: str, url: str | None) -> Record:
    """Point ``flow_sid`` at ``url`` (replacing any URL it had)."""
    if not is_sid(flow_sid, "FW"):
        raise InvalidParameter("FlowSid must be FW + 32 hex", code=50367)
    checked = http_url(url, "Url")
    if checked is None:
        raise InvalidParameter("Url is required")
    async with rt.store.transaction() as tx:
        await tx.set_flow(account_sid, flow_sid, checked)
    return {"flow_sid": flow_sid, "url": checked}


async def unmap_flow(rt: Runtime, account_sid: str, flow_sid: str) -> None:
    async with rt.store.transaction() as tx:
        await tx.delete_flow(account_sid, flow_sid)
