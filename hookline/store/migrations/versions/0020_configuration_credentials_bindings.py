"""conversations configuration, push credentials and bindings

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
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
    for name in ("configurations", "credentials"):
        op.create_table(
            name,
            _seq(),
            sa.Column("sid", sa.String(length=34), nullable=False),
            sa.Column("account_sid", sa.String(length=34), nullable=False),
            _doc(),
            sa.PrimaryKeyConstraint("seq"),
            sa.UniqueConstraint("sid"),
        )
        op.create_index(f"ix_{name}_account_sid", name, ["account_sid"])
    op.create_table(
        "bindings",
        _seq(),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        sa.Column("chat_service_sid", sa.String(length=34), nullable=False),
        sa.Column("identity", sa.String(length=255), nullable=False),
        sa.Column("binding_type", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("credential_sid", sa.String(length=34), nullable=False),
        _doc(),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("sid"),
    )
    op.create_index("ix_bindings_credential_sid", "bindings", ["credential_sid"])
    op.create_index("ix_bindings_service", "bindings", ["chat_service_sid", "seq"])
    op.create_index(
        "ix_bindings_device", "bindings", ["chat_service_sid", "binding_type", "address"]
    )


def downgrade() -> None:
    op.drop_table("bindings")
    op.drop_table("credentials")
    op.drop_table("configurations")
