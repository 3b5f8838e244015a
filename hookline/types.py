"""Small shared type aliases."""

from __future__ import annotations

from typing import Any

#: One stored resource as the domain sees it: snake_case keys, Twilio's JSON field names.
Record = dict[str, Any]

#: Webhook parameters exactly as they go on the wire (form fields).
Params = dict[str, str]
