"""``/v1/[Services/{IS}/]Conversations/{CH}/Messages/{IM}/Receipts[/{DY}]`` (read-only).

Receipts are written by ``POST /_hookline/…/Receipts`` (control/receipts.py).
"""

from __future__ import annotations

from hookline.domain import receipts
from hookline.web import render
from hookline.web.resource import Resource

resource = Resource(
    "/Conversations/{ConversationSid}/Messages/{MessageSid}/Receipts",
    "delivery_receipts",
    render.receipt,
    fetch=receipts.get,
    listing=receipts.listing,
)
routes = resource.routes()
