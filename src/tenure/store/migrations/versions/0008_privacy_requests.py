"""privacy requests (a register of access and erasure requests with their due dates), and
import runs count the rows suppressed because they name an erased person

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("suppressed", sa.BigInteger(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index(op.f("ix_privacy_requests_status"), "privacy_requests", ["status"],
                    unique=False)
    op.create_index(op.f("ix_privacy_requests_email"), "privacy_requests", ["email"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_privacy_requests_email"), table_name="privacy_requests")
    op.drop_index(op.f("ix_privacy_requests_status"), table_name="privacy_requests")
    op.drop_table("privacy_requests")
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("suppressed")
