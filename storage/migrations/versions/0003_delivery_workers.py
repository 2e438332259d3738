"""delivery_workers: the registry of running delivery worker processes and their heartbeats

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MYSQL_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "delivery_workers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("boot_id", sa.String(64), nullable=True),
        sa.Column("pid_namespace", sa.String(64), nullable=True),
        sa.Column("process_start", sa.String(32), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        **MYSQL_TABLE,
    )
    op.create_index("ix_delivery_worker_host", "delivery_workers", ["host"])


def downgrade() -> None:
    op.drop_index("ix_delivery_worker_host", table_name="delivery_workers")
    op.drop_table("delivery_workers")
