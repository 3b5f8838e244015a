"""``/v1/Configuration/Addresses[/{IG}]`` (account-wide: no ``/v1/Services/{IS}`` form)."""

from __future__ import annotations

from hookline.domain import address_configurations
from hookline.domain.address_configurations import AddressFields
from hookline.web import render
from hookline.web.forms import Form
from hookline.web.resource import Resource

UPDATE_FIELDS = (
    "FriendlyName",
    "AutoCreation.Enabled",
    "AutoCreation.Type",
    "AutoCreation.ConversationServiceSid",
    "AutoCreation.WebhookUrl",
    "AutoCreation.WebhookMethod",
    "AutoCreation.WebhookFilters",
    "AutoCreation.StudioFlowSid",
    "AutoCreation.StudioRetryCount",
)
CREATE_FIELDS = ("Type", "Address", "AddressCountry", *UPDATE_FIELDS)


def _fields(form: Form) -> AddressFields:
    return AddressFields(
        type=form.get("Type"),
        address=form.get("Address"),
        friendly_name=form.get("FriendlyName"),
        address_country=form.get("AddressCountry"),
        enabled=form.get("AutoCreation.Enabled"),
        auto_type=form.get("AutoCreation.Type"),
        service_sid=form.get("AutoCreation.ConversationServiceSid"),
        webhook_url=form.get("AutoCreation.WebhookUrl"),
        webhook_method=form.get("AutoCreation.WebhookMethod"),
        webhook_filters=form.getlist("AutoCreation.WebhookFilters"),
        studio_flow_sid=form.get("AutoCreation.StudioFlowSid"),
        studio_retry_count=form.get("AutoCreation.StudioRetryCount"),
    )


resource = Resource(
    "/Configuration/Addresses",
    "address_configurations",
    render.address_configuration,
    scope="account",
    both_forms=False,
    create=address_configurations.create,
    create_fields=CREATE_FIELDS,
    parse_create=_fields,
    fetch=address_configurations.get,
    update=address_configurations.update,
    update_fields=UPDATE_FIELDS,
    parse_update=_fields,
    delete=address_configurations.delete,
    listing=address_configurations.listing,
    list_filters=("Type",),
    list_maximum=50,
)
routes = resource.routes()
