from __future__ import annotations

import random

import pytest

from hookline.delivery.faults import FaultSource, Injection, decide, send
from hookline.delivery.transport import OutboundRequest, OutboundResponse
from hookline.domain import faults
from hookline.domain.accounts import Account
from hookline.domain.faults import Faults
from hookline.domain.runtime import Runtime
from hookline.exceptions import InvalidParameter


def test_parse_the_serve_option() -> None:
    assert faults.parse("duplicate=0.1,delay=2") == Faults(0.1, 2.0)
    assert faults.parse(" delay = 1 ") == Faults(0.0, 1.0)
    assert faults.parse(None) == faults.parse("") == Faults()
    for bad in ("duplicate", "dup=1", "duplicate=2", "delay=20", "delay=nan"):
        with pytest.raises(ValueError):
            faults.parse(bad)


def test_checked_keeps_what_is_not_given() -> None:
    assert faults.checked("0.5", None, Faults(0.1, 3.0)) == Faults(0.5, 3.0)
    with pytest.raises(InvalidParameter):
        faults.checked("-0.1", None)


def test_decide_draws_within_the_settings() -> None:
    rng = random.Random(7)
    assert decide(Faults(), rng) == Injection()
    assert not decide(Faults(), rng)
    always = [decide(Faults(1.0, 2.0), rng) for _ in range(50)]
    assert all(i.duplicate and 0 <= i.delay <= 2.0 for i in always)
    sometimes = [decide(Faults(0.5, 0.0), rng).duplicate for _ in range(200)]
    assert 0 < sum(sometimes) < 200


class Recorder:
    def __init__(self) -> None:
        self.sent: list[OutboundRequest] = []

    async def send(self, request: OutboundRequest) -> OutboundResponse:
        self.sent.append(request)
        return OutboundResponse(status=200 + len(self.sent) - 1)


async def test_send_duplicates_and_marks() -> None:
    transport = Recorder()
    request = OutboundRequest(method="POST", url="http://x/", headers=(), body=b"a=1")
    response, injected = await send(transport, request, Injection(duplicate=True))
    assert transport.sent == [request, request] and response.status == 200
    assert injected is not None and injected["duplicate"]["status"] == 201
    response, injected = await send(transport, request, Injection())
    assert injected is None and len(transport.sent) == 3


async def own_faults(rt: Runtime, source: FaultSource, account_sid: str) -> Faults | None:
    async with rt.store.read() as tx:
        return (await source.read(tx, [account_sid])).get(account_sid)


async def test_account_settings_override_the_default(rt: Runtime, account: Account) -> None:
    source = FaultSource(Faults(duplicate=1.0))
    assert source.injection(await own_faults(rt, source, account.sid)).duplicate
    await faults.put(rt, account.sid, "0", None)
    assert await faults.get(rt, account.sid) == Faults(0.0, 0.0)
    # Read afresh every time (no cache): the change applies to the very next read.
    assert not source.injection(await own_faults(rt, source, account.sid))
    await faults.clear(rt, account.sid)
    assert await faults.get(rt, account.sid) is None
    assert await own_faults(rt, source, account.sid) is None


async def test_on_send_is_called_after_the_delay_before_the_request() -> None:
    transport = Recorder()
    seen: list[int] = []
    request = OutboundRequest(method="POST", url="http://x/", headers=(), body=b"a=1")
    await send(transport, request, Injection(delay=0.01), lambda: seen.append(len(transport.sent)))
    assert seen == [0] and len(transport.sent) == 1
