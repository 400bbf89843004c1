"""health: CSM pulses, daily score history, the latest snapshot per account

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_pulses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_pulses")),
    )
    op.create_index(op.f("ix_health_pulses_account_id"), "health_pulses", ["account_id"])
    op.create_table(
        "health_history",
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("profile", sa.String(length=128), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=64), nullable=True),
        sa.Column("groups", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_health_history")),
    )
    op.create_index(op.f("ix_health_history_day"), "health_history", ["day"])
    op.create_table(
        "account_snapshots",
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("segment", sa.String(length=128), nullable=True),
        sa.Column("owner", sa.String(length=320), nullable=True),
        sa.Column("lifecycle", sa.String(length=32), nullable=False),
        sa.Column("mrr", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("profile", sa.String(length=128), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=64), nullable=True),
        sa.Column("score_before", sa.Float(), nullable=True),
        sa.Column("trend", sa.String(length=16), nullable=True),
        sa.Column("top_drag", sa.Text(), nullable=True),
        sa.Column("drags", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_snapshots")),
    )
    op.create_index(op.f("ix_account_snapshots_segment"), "account_snapshots", ["segment"])
    op.create_index(op.f("ix_account_snapshots_owner"), "account_snapshots", ["owner"])
    op.create_index(op.f("ix_account_snapshots_band"), "account_snapshots", ["band"])


def downgrade() -> None:
    op.drop_index(op.f("ix_account_snapshots_band"), table_name="account_snapshots")
    op.drop_index(op.f("ix_account_snapshots_owner"), table_name="account_snapshots")
    op.drop_index(op.f("ix_account_snapshots_segment"), table_name="account_snapshots")
    op.drop_table("account_snapshots")
    op.drop_index(op.f("ix_health_history_day"), table_name="health_history")
    op.drop_table("health_history")
    op.drop_index(op.f("ix_health_pulses_account_id"), table_name="health_pulses")
    op.drop_table("health_pulses")
