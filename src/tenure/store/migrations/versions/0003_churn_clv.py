"""churn and lifetime value in snapshots and history

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SNAPSHOT_COLUMNS = (
    ("churn_probability", sa.Float),
    ("churn_horizon_days", sa.Integer),
    ("churn_drivers", sa.Text),
    ("churn_model", lambda: sa.String(length=64)),
    ("expected_lifetime_months", sa.Float),
    ("clv", sa.Float),
)


def upgrade() -> None:
    with op.batch_alter_table("account_snapshots") as batch:
        for name, kind in SNAPSHOT_COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))
    with op.batch_alter_table("health_history") as batch:
        batch.add_column(sa.Column("churn_probability", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("health_history") as batch:
        batch.drop_column("churn_probability")
    with op.batch_alter_table("account_snapshots") as batch:
        for name, _ in reversed(SNAPSHOT_COLUMNS):
            batch.drop_column(name)
