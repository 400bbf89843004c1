"""the dashboard's precomputed figures: check-in days on the snapshot, portfolio series;
owners' emails in lower case; explanations apart from the snapshots

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account_snapshots") as batch:
        batch.add_column(sa.Column("last_touchpoint_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("checkin_due_on", sa.Date(), nullable=True))
        batch.create_index(batch.f("ix_account_snapshots_checkin_due_on"), ["checkin_due_on"],
                           unique=False)
        # My day's renewals of the next 90 days: a range, not a scan of every snapshot.
        batch.create_index(batch.f("ix_account_snapshots_renewal_date"), ["renewal_date"],
                           unique=False)
    # The explanation (about 2 KB an account) moves to its own table, so that the lists,
    # which sort and count snapshots, read narrow rows.
    op.create_table(
        "account_explanations",
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_explanations")),
    )
    op.execute("INSERT INTO account_explanations (account_id, explanation) "
               "SELECT account_id, explanation FROM account_snapshots")
    with op.batch_alter_table("account_snapshots") as batch:
        batch.drop_column("explanation")
    # Owners' emails are kept trimmed and lower case (store.models.owner_key), so that a
    # CSM's book is found by an equality on the owner index.
    for table in ("account_snapshots", "tasks"):
        op.execute(f"UPDATE {table} SET owner = lower(trim(owner)) WHERE owner IS NOT NULL")
    op.create_table(
        "portfolio_series",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=340), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", "scope", name=op.f("pk_portfolio_series")),
    )


def downgrade() -> None:
    op.drop_table("portfolio_series")
    with op.batch_alter_table("account_snapshots") as batch:
        batch.add_column(sa.Column("explanation", sa.Text(), nullable=True))
    op.execute("UPDATE account_snapshots SET explanation = (SELECT e.explanation FROM "
               "account_explanations e WHERE e.account_id = account_snapshots.account_id)")
    op.drop_table("account_explanations")
    with op.batch_alter_table("account_snapshots") as batch:
        batch.drop_index(batch.f("ix_account_snapshots_renewal_date"))
        batch.drop_index(batch.f("ix_account_snapshots_checkin_due_on"))
        batch.drop_column("checkin_due_on")
        batch.drop_column("last_touchpoint_on")
