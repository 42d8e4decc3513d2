"""data rights: erasure tombstones (erasurerecord) and closed-week trend roll-ups (trendrollup)

Revision ID: 0003_data_rights
Revises: 0002_jobs_sessions
Create Date: 2026-12-01
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_data_rights"
down_revision = "0002_jobs_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasurerecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("former_user_id", sa.Integer(), nullable=False),
        sa.Column("former_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("erased_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("erased_by_id", sa.Integer(), nullable=True),
        sa.Column("erased_by_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["erased_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("erasurerecord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasurerecord_erased_at"), ["erased_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_erasurerecord_former_user_id"), ["former_user_id"],
                              unique=False)

    op.create_table(
        "trendrollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("sums", sa.JSON(), nullable=False),
        sa.Column("frozen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trendrollup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trendrollup_week_start"), ["week_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trendrollup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trendrollup_week_start"))
    op.drop_table("trendrollup")
    with op.batch_alter_table("erasurerecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasurerecord_former_user_id"))
        batch_op.drop_index(batch_op.f("ix_erasurerecord_erased_at"))
    op.drop_table("erasurerecord")
