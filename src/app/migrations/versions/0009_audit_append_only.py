"""audit log: request address column; append-only on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 05:30:00.000000

The history of a submission is evidence. The code never updates or deletes an audit row
(a test holds that); on PostgreSQL a trigger also refuses UPDATE and DELETE of
`audit_event` at the database, so neither a bug nor a hand-typed statement in psql can
rewrite it. SQLite has no roles or users to guard against, so only the column is added
there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FUNCTION = "audit_event_append_only"
TRIGGER = "trg_audit_event_append_only"


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("remote_addr", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER {TRIGGER}
            BEFORE UPDATE OR DELETE ON audit_event
            FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
            """
        )
        # TRUNCATE bypasses row triggers; a statement trigger covers it too.
        op.execute(
            f"""
            CREATE TRIGGER {TRIGGER}_truncate
            BEFORE TRUNCATE ON audit_event
            FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON audit_event")
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_event")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("remote_addr")
