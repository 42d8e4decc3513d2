"""hardening: must-change-password and admin-reset columns on user; one review per attempt

Revision ID: 0004_hardening
Revises: 0003_data_rights
Create Date: 2026-12-01
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_hardening"
down_revision = "0003_data_rights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("admin_reset_at", sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("password_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("must_change_password", server_default=None)

    # One review per attempt: keep the newest of any duplicates, then make the index unique.
    op.execute(
        "DELETE FROM review WHERE id NOT IN "
        "(SELECT MAX(id) FROM review GROUP BY attempt_id)"
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_attempt_id"))
        batch_op.create_index(batch_op.f("ix_review_attempt_id"), ["attempt_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_attempt_id"))
        batch_op.create_index(batch_op.f("ix_review_attempt_id"), ["attempt_id"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("admin_reset_at")
        batch_op.drop_column("must_change_password")
