"""privacy: erasure tombstones (keyed hashes of erased people, to suppress re-imports)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_tombstones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_tombstones")),
        sa.UniqueConstraint("digest", name=op.f("uq_erasure_tombstones_digest")),
    )
    op.create_index(op.f("ix_erasure_tombstones_request_id"), "erasure_tombstones",
                    ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_erasure_tombstones_request_id"), table_name="erasure_tombstones")
    op.drop_table("erasure_tombstones")
