"""hookline: a self-hosted, Twilio-compatible Conversations server that delivers webhooks."""

from __future__ import annotations

from hookline.client import client

__all__ = ["client"]
__version__ = "0.1.0"
