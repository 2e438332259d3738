"""card_actions: what people did to Jira issues from Slack cards, to recognise Jira's echo

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

MYSQL_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "card_actions",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("issue_key", sa.String(191), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("slack_user_id", sa.String(64), nullable=False),
        sa.Column("thread", sa.String(255), nullable=False),
        sa.Column("reply", sa.String(255), nullable=True),
        sa.Column("echo_integration_id", BigIntPK, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        **MYSQL_TABLE,
    )
    op.create_index("ix_card_action_issue", "card_actions", ["issue_key", "created_at"])


def downgrade() -> None:
    op.drop_table("card_actions")
