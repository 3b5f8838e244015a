"""``POST /_hookline/Services/{IS}/Bindings``: register a device for push notifications,
as a Conversations client SDK does in Twilio (the only way a binding comes to exist there).

Form: ``Identity``, ``BindingType`` (apn, gcm or fcm), ``Address`` (the device token),
``CredentialSid`` (a ``CR…`` of the account: missing, 404). Answers 201 with the binding
as ``GET /v1/Services/{IS}/Bindings/{BS}`` renders it.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain import bindings
from hookline.web import render
from hookline.web.call import Call, endpoint, json

FIELDS = ("Identity", "BindingType", "Address", "CredentialSid")


async def register(call: Call) -> Response:
    fields = call.form.fields(*FIELDS)
    binding = await bindings.register(call.rt, call.account.sid, call.service_sid, fields)
    return json(render.binding(call, binding), 201)


routes = [
    Route(
        "/_hookline/Services/{ChatServiceSid}/Bindings",
        endpoint(register, FIELDS),
        methods=["POST"],
    )
]
