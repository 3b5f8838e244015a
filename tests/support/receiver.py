"""The receiver hookline's own tests use: the package's :class:`WebhookReceiver` (the
pytest plugin's ``webhook_receiver``), with the positional ``wait_for`` these tests call."""

from __future__ import annotations

from hookline.testing.receiver import Answer, Received, WebhookReceiver

__all__ = ["Answer", "Received", "Receiver"]


class Receiver(WebhookReceiver):
    def wait_for(
        self, count: int, timeout: float = 10.0, path: str | None = None, event: str | None = None
    ) -> list[Received]:
        return super().wait_for(count, path=path, event_type=event, timeout=timeout)

    def matching(self, path: str | None = None, event: str | None = None) -> list[Received]:
        return super().matching(path, event)
