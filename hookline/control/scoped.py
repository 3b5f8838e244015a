"""``/_hookline`` calls that name their Conversation Service in a ``ChatServiceSid``
parameter (form or query) instead of the URL path, and render ``/v1`` URLs to match."""

from __future__ import annotations

from hookline.domain.validation import sid as check_sid
from hookline.web.call import Call


class ScopedCall(Call):
    @property
    def service_sid(self) -> str:
        given = self.form.get("ChatServiceSid")
        if given:
            return check_sid(given, "IS", what="Service")
        return self.account.default_service_sid

    @property
    def prefix(self) -> str:
        given = self.form.get("ChatServiceSid")
        return f"{self.base_url}/v1/Services/{given}" if given else f"{self.base_url}/v1"


def scoped(call: Call) -> ScopedCall:
    return ScopedCall(call.request, call.rt, call.account, call.form)
