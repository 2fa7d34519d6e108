"""server-side web sessions: signing out ends the session, not just the cookie

A signed cookie alone cannot be taken back: a copy made before signing out went on
opening the account until it aged out, and `user.session_generation` could only end
every session of a user at once. Each sign-in now has a row of `web_session`, named by
the SHA-256 digest of a random key that only the cookie carries; signing out deletes
that row, and a password change, a deactivation or "sign out everywhere" deletes all
of the user's rows. The generation counter goes.

Cookies issued before this revision name no row: everyone signs in once more.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name="fk_web_session_user_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_session"),
        sa.UniqueConstraint("digest", name="uq_web_session_digest"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
