"""address configurations and fault settings

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0001"
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
        "address_configurations",
        _seq(),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        _doc(),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("sid"),
        sa.UniqueConstraint("account_sid", "address", name="uq_address_configurations_address"),
    )
    op.create_table(
        "fault_settings",
        _seq(),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        _doc(),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("sid"),
    )


def downgrade() -> None:
    op.drop_table("fault_settings")
    op.drop_table("address_configurations")
