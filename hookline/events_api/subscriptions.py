"""``/v1/Subscriptions[/{Sid}]``."""

from __future__ import annotations

from hookline.domain import subscriptions
from hookline.events_api import render
from hookline.web.forms import Form
from hookline.web.resource import Resource


def _create(form: Form) -> subscriptions.SubscriptionFields:
    return subscriptions.SubscriptionFields(
        description=form.get("Description"),
        sink_sid=form.get("SinkSid"),
        types=tuple(form.getlist("Types") or ()),
    )


def _update(form: Form) -> subscriptions.SubscriptionFields:
    return subscriptions.SubscriptionFields(description=form.get("Description"))


resource = Resource(
    "/Subscriptions",
    "subscriptions",
    render.subscription,
    scope="account",
    both_forms=False,
    create=subscriptions.create,
    create_fields=("Description", "SinkSid", "Types"),
    parse_create=_create,
    fetch=subscriptions.get,
    update=subscriptions.update,
    update_fields=("Description",),
    parse_update=_update,
    delete=subscriptions.delete,
    listing=subscriptions.listing,
    list_filters=("SinkSid",),
)
routes = resource.routes()
