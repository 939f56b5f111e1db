"""programmes.next_batch_at: when a batch-mode programme matches its waiting mentees next

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_batch_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_programmes_next_batch", ["next_batch_at"], unique=False)
    # Programmes already in batch mode match at the bot's next minute sweep.
    programmes = sa.table(
        "programmes",
        sa.column("id", sa.Integer()),
        sa.column("settings", sa.JSON()),
        sa.column("next_batch_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    now = datetime.now(UTC)
    for programme_id, settings in bind.execute(sa.select(programmes.c.id, programmes.c.settings)):
        if (settings or {}).get("pairing_mode") == "batch":
            bind.execute(
                programmes.update()
                .where(programmes.c.id == programme_id)
                .values(next_batch_at=now)
            )


def downgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_index("ix_programmes_next_batch")
        batch_op.drop_column("next_batch_at")
