"""people.notify, people.notify_off: each person's direct-message settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("notify_off", sa.String(128), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("notify_off")
        batch.drop_column("notify")
