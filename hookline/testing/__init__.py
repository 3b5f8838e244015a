"""Test helpers for users' own test suites: a running hookline and a webhook receiver.

The pytest plugin (:mod:`hookline.testing.plugin`, registered by the ``pytest11`` entry
point) wraps them as the ``hookline_server`` and ``webhook_receiver`` fixtures; both
classes work without pytest too.
"""

from __future__ import annotations

from hookline.testing.receiver import Received, WebhookReceiver
from hookline.testing.server import HooklineServer

__all__ = ["HooklineServer", "Received", "WebhookReceiver"]
