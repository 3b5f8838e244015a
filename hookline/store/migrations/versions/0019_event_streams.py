"""event streams: sinks and subscriptions

Revision ID: 0019
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0003"
branch_labels = None
depends_on = None


def _seq() -> sa.Column[int]:
    return sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def _doc() -> sa.Column[object]:
    return sa.Column(
        "doc",
        sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "sinks",
        _seq(),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        _doc(),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("sid"),
    )
    op.create_index("ix_sinks_account_sid", "sinks", ["account_sid"])
    op.create_table(
        "subscriptions",
        _seq(),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        sa.Column("sink_sid", sa.String(length=34), nullable=False),
        _doc(),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("sid"),
    )
    op.create_index("ix_subscriptions_account_sid", "subscriptions", ["account_sid"])
    op.create_index("ix_subscriptions_sink_sid", "subscriptions", ["sink_sid"])


def downgrade() -> None:
    op.drop_table("subscriptions")
    op.drop_table("sinks")
