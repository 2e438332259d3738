"""review_requests: the pull requests awaiting each person's review (App Home)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MYSQL_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "review_requests",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("repository", sa.String(191), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("url", sa.String(512), nullable=False),
        sa.Column("author", sa.String(100), nullable=True),
        sa.Column("pr_updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("repository", "number", "reviewer", name="uq_review_request"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_review_request_reviewer", "review_requests", ["reviewer"])


def downgrade() -> None:
    op.drop_table("review_requests")
