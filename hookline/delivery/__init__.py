"""Webhook delivery: routing, signing, the outbox worker, retries and egress safety."""
