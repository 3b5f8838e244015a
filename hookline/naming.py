"""Twilio's parameter names and hookline's field names.

A form parameter such as ``MessagingBinding.ProxyAddress`` becomes the field
``messaging_binding_proxy_address`` when the form is read (:func:`snake`), and every layer
after that speaks snake_case, as Twilio's JSON does. PascalCase is left to the two edges:
the form coming in, and webhook parameters going out. :func:`wire` turns a field name back
into its parameter name for error messages, so they name what the caller sent.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

#: Dotted parameter prefixes, for :func:`wire`.
_PREFIXES = {
    "messaging_binding_": "MessagingBinding.",
    "timers_": "Timers.",
    "bindings_email_": "Bindings.Email.",
    "configuration_": "Configuration.",
}


def snake(parameter: str) -> str:
    """``MessagingBinding.ProxyAddress`` → ``messaging_binding_proxy_address``."""
    return _WORD.sub("_", parameter.replace(".", "_")).lower()


def wire(field: str) -> str:
    """``messaging_binding_proxy_address`` → ``MessagingBinding.ProxyAddress``."""
    for prefix, dotted in _PREFIXES.items():
        if field.startswith(prefix):
            return dotted + _pascal(field[len(prefix) :])
    return _pascal(field)


def _pascal(field: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in field.split("_"))
