"""``/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents[/{Type}]``: a subscription's
event types and the schema version of each."""

from __future__ import annotations

from hookline.domain import subscriptions
from hookline.events_api import render
from hookline.web.forms import Form
from hookline.web.resource import Resource


def _fields(form: Form) -> subscriptions.SubscribedEventFields:
    return subscriptions.SubscribedEventFields(**form.fields("Type", "SchemaVersion"))


resource = Resource(
    "/Subscriptions/{SubscriptionSid}/SubscribedEvents",
    "types",
    render.subscribed_event,
    scope="account",
    both_forms=False,
    create=subscriptions.add_event,
    create_fields=("Type", "SchemaVersion"),
    parse_create=_fields,
    fetch=subscriptions.subscribed_event,
    update=subscriptions.update_event,
    update_fields=("SchemaVersion",),
    parse_update=_fields,
    delete=subscriptions.remove_event,
    listing=subscriptions.subscribed_events,
)
routes = resource.routes()
