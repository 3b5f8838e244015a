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
    list_maximum=50,  # Twilio's spec: PageSize at most 50 for receipts
)
routes = resource.routes()
