"""integration_logs.event_key: the classification the webhook intake computed

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("integration_logs", sa.Column("event_key", sa.String(128), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): recreating the table in batch
    # mode would drop the old one, and with foreign keys on that cascades to its attempts.
    op.drop_column("integration_logs", "event_key")
