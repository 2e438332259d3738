"""people: one row per Slack user with their Jira account and GitHub login

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MYSQL_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("slack_user_id", sa.String(64), nullable=False),
        sa.Column("slack_name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(191), nullable=True),
        sa.Column("jira_account_id", sa.String(191), nullable=True),
        sa.Column("jira_key", sa.String(191), nullable=True),
        sa.Column("jira_display_name", sa.String(255), nullable=True),
        sa.Column("jira_match", sa.String(16), nullable=True),
        sa.Column("github_login", sa.String(64), nullable=True),
        sa.Column("github_match", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("slack_user_id", name="uq_person_slack"),
        sa.UniqueConstraint("github_login", name="uq_person_github"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_person_jira_account", "people", ["jira_account_id"])
    op.create_index("ix_person_jira_key", "people", ["jira_key"])
    op.create_index("ix_person_email", "people", ["email"])


def downgrade() -> None:
    op.drop_table("people")
