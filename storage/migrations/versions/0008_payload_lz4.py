"""integration_logs.payload compressed with lz4 on PostgreSQL

A webhook's payload (8 KB and more) is over PostgreSQL's TOAST threshold, so each stored
event is compressed; the default method, pglz, was a fifth of the server's CPU per stored
webhook in `make bench`. lz4 compresses about as well for JSON at a fraction of the CPU.
Existing rows stay as they are (PostgreSQL reads both). Nothing changes on a server built
without lz4, nor on SQLite or MySQL/MariaDB.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _lz4_available() -> bool:
    """PostgreSQL 14 or newer, built with lz4."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        sa.text(
            "SELECT 1 FROM pg_settings "
            "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
    ).first()
    return found is not None


def upgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE integration_logs ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE integration_logs ALTER COLUMN payload SET COMPRESSION DEFAULT")
