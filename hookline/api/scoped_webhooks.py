"""``/v1/[Services/{IS}/]Conversations/{CH}/Webhooks[/{WH}]``."""

from __future__ import annotations

from hookline.domain import scoped_webhooks
from hookline.domain.scoped_webhooks import WebhookFields
from hookline.web import render
from hookline.web.forms import Form
from hookline.web.resource import Resource

UPDATE_FIELDS = (
    "Configuration.Url",
    "Configuration.Method",
    "Configuration.Filters",
    "Configuration.Triggers",
    "Configuration.FlowSid",
)
CREATE_FIELDS = ("Target", *UPDATE_FIELDS, "Configuration.ReplayAfter")


def _fields(form: Form) -> WebhookFields:
    return WebhookFields(
        target=form.get("Target"),
        url=form.get("Configuration.Url"),
        method=form.get("Configuration.Method"),
        filters=form.getlist("Configuration.Filters"),
        triggers=form.getlist("Configuration.Triggers"),
        flow_sid=form.get("Configuration.FlowSid"),
        replay_after=form.get("Configuration.ReplayAfter"),
    )


resource = Resource(
    "/Conversations/{ConversationSid}/Webhooks",
    "webhooks",
    render.scoped_webhook,
    create=scoped_webhooks.create,
    create_fields=CREATE_FIELDS,
    parse_create=_fields,
    fetch=scoped_webhooks.get,
    update=scoped_webhooks.update,
    update_fields=UPDATE_FIELDS,
    parse_update=_fields,
    delete=scoped_webhooks.delete,
    listing=scoped_webhooks.listing,
    list_maximum=5,
    list_default=5,
)
routes = resource.routes()
