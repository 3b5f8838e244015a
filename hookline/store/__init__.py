"""Storage: the only package that knows SQL, SQLAlchemy or a database driver.

The door is small. A :class:`Store` (one per process, from :func:`open_store`) opens units
of work: ``store.transaction()`` (read-write; commits on success, rolls back on any
exception) and ``store.read()``. Each yields a :class:`Tx`, and everything the program
stores or reads is one of ``Tx``'s named methods, which take and return plain values:

- resources (services, conversations, participants, …) as dicts of their snake_case
  fields, by kind: ``insert``/``update``/``get``/``lock``/``find``/``page``/``count``/
  ``delete``, and ``next_message_index``;
- everything else as the frozen dataclasses of :mod:`hookline.store.records`: accounts and
  API keys, the event log, the delivery outbox and its attempts, the Studio flow map; plus
  the webhook configuration, due timers and retention pruning.

No statement, SQLAlchemy row or driver exception leaves the package: the statements live
in the private ``_queries`` module, and a write that hits a unique key raises
:class:`hookline.exceptions.Duplicate`. (procrastinate's manager/connector split is the
model: callers speak in named operations, the store alone in SQL.)
"""

from __future__ import annotations

from hookline.store._unavailable import failure_reason
from hookline.store.records import (
    AccountRow,
    ApiKeyRow,
    AttemptRow,
    Candidate,
    DeliveryOutcome,
    DeliveryRow,
    EventRow,
    FlowRow,
)
from hookline.store.store import Store, Tx, in_memory, open_store

__all__ = [
    "AccountRow",
    "ApiKeyRow",
    "AttemptRow",
    "Candidate",
    "DeliveryOutcome",
    "DeliveryRow",
    "EventRow",
    "FlowRow",
    "Store",
    "Tx",
    "failure_reason",
    "in_memory",
    "open_store",
]
