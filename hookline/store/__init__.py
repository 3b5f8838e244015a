"""Storage: the schema, every SQL query by name, and the transaction interface."""

from __future__ import annotations

from hookline.store.store import IntegrityError, Store, Tx, open_store

__all__ = ["IntegrityError", "Store", "Tx", "open_store"]
