"""Alembic environment: hookline always hands in a live connection (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

from hookline.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `hookline migrate`, which supplies a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
