"""``/_hookline/clock``: read the server's time, and move it forward when it runs on a
manual clock (``hookline serve --manual-clock``), so conversation timers and retry
schedules can be tested without waiting."""

from __future__ import annotations

import math

from starlette.responses import Response
from starlette.routing import Route

from hookline.clock import LATEST, ManualClock, iso
from hookline.exceptions import Conflict, InvalidParameter
from hookline.web.call import Call, endpoint, json

MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600


def _state(call: Call) -> dict[str, object]:
    return {"now": iso(call.rt.clock.now()), "manual": isinstance(call.rt.clock, ManualClock)}


async def read(call: Call) -> Response:
    return json(_state(call))


async def advance(call: Call) -> Response:
    clock = call.rt.clock
    if not isinstance(clock, ManualClock):
        raise Conflict("The clock is the system clock; start the server with --manual-clock")
    raw = call.form.get("Seconds")
    try:
        seconds = float(raw or "")
    except ValueError:
        raise InvalidParameter("Seconds must be a number of seconds to move forward") from None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
        raise InvalidParameter("Seconds must be between 0 and ten years")
    try:
        clock.advance(seconds)
    except ValueError:
        raise InvalidParameter(
            f"Seconds would move the clock past {iso(LATEST)}, the latest time hookline keeps"
        ) from None
    call.rt.sink.committed()  # due retries and timers are picked up at once
    return json(_state(call))


routes = [
    Route("/_hookline/clock", endpoint(read), methods=["GET"]),
    Route("/_hookline/clock", endpoint(advance, ("Seconds",)), methods=["POST"]),
]
