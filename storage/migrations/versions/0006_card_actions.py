"""card_actions, channel_key_settings, key_replies: Jira card buttons and bare-key previews

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0006"
down_revision = "0005"
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
        sa.Column("echo_integration_id", BigIntPK, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        **MYSQL_TABLE,
    )
    op.create_index("ix_card_action_issue", "card_actions", ["issue_key", "created_at"])
    op.create_table(
        "channel_key_settings",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel_id", name="uq_channel_key_setting"),
        **MYSQL_TABLE,
    )
    op.create_table(
        "key_replies",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("issue_key", sa.String(191), nullable=False),
        sa.Column("replied_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel_id", "issue_key", name="uq_key_reply"),
        **MYSQL_TABLE,
    )


def downgrade() -> None:
    op.drop_table("key_replies")
    op.drop_table("channel_key_settings")
    op.drop_table("card_actions")
