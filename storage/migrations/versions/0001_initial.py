"""initial schema: integration log and attempts, service mappings, subscriptions

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MYSQL_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "integration_logs",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("source_service", sa.String(32), nullable=False),
        sa.Column("target_service", sa.String(32), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=True),
        sa.Column("target_id", sa.String(255), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("delivery_key", sa.String(191), nullable=True),
        sa.Column("ordering_key", sa.String(255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("locked_by", sa.String(64), nullable=True),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source_service", "delivery_key", name="uq_integration_delivery"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_integration_due", "integration_logs", ["status", "next_attempt_at"])
    op.create_index("ix_integration_ordering", "integration_logs", ["ordering_key", "id"])
    op.create_index("ix_integration_source", "integration_logs", ["source_service", "event_type"])
    op.create_index("ix_integration_created", "integration_logs", ["created_at"])

    op.create_table(
        "integration_attempts",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column(
            "integration_id",
            BigIntPK,
            sa.ForeignKey("integration_logs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("integration_id", "number", name="uq_attempt_number"),
        **MYSQL_TABLE,
    )

    op.create_table(
        "service_mappings",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("source_service", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("target_service", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("exclusive_target_id", sa.String(255), nullable=True),
        sa.Column("mapping_type", sa.String(32), nullable=False),
        sa.Column("extra_data", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "mapping_type",
            "source_service",
            "source_id",
            "target_service",
            "target_id",
            name="uq_mapping_pair",
        ),
        sa.UniqueConstraint(
            "mapping_type", "target_service", "exclusive_target_id", name="uq_mapping_target"
        ),
        **MYSQL_TABLE,
    )
    op.create_index("ix_mapping_source", "service_mappings", ["source_service", "source_id"])
    op.create_index("ix_mapping_target", "service_mappings", ["target_service", "target_id"])

    op.create_table(
        "subscriptions",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("source_service", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source_service", "source_id", "channel_id", name="uq_subscription"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_subscription_channel", "subscriptions", ["channel_id"])


def downgrade() -> None:
    op.drop_table("subscriptions")
    op.drop_table("service_mappings")
    op.drop_table("integration_attempts")
    op.drop_table("integration_logs")
