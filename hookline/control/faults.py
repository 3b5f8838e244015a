"""``/_hookline/faults``: the account's fault injection (see :mod:`hookline.domain.faults`).

``POST`` (form ``Duplicate``, ``Delay``; a field not given keeps its value) sets, ``GET``
shows, ``DELETE`` clears the account's own settings; without them the server default
(``serve --faults``) applies. Each answer: ``duplicate``, ``delay`` (what applies now) and
``source`` (``account`` or ``default``). Changes reach a worker within a second.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import faults
from hookline.domain.faults import Faults
from hookline.web.call import Call, endpoint, json


def _answer(call: Call, own: Faults | None) -> Response:
    if own is not None:
        return json(own.public() | {"source": "account"})
    default = faults.parse(getattr(call.request.app.state.settings, "faults", None))
    return json(default.public() | {"source": "default"})


async def put(call: Call) -> Response:
    own = await faults.put(call.rt, call.account.sid, call.form.get("Duplicate"),
                           call.form.get("Delay"))  # fmt: skip
    return _answer(call, own)


async def show(call: Call) -> Response:
    return _answer(call, await faults.get(call.rt, call.account.sid))


async def clear(call: Call) -> Response:
    await faults.clear(call.rt, call.account.sid)
    return _answer(call, None)


routes = [
    Route("/_hookline/faults", endpoint(put, ("Duplicate", "Delay")), methods=["POST"]),
    Route("/_hookline/faults", endpoint(show), methods=["GET"]),
    Route("/_hookline/faults", endpoint(clear), methods=["DELETE"]),
]
