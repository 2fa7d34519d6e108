"""Alembic environment: migrates the database the Flask app is configured with."""

from alembic import context

import app.models  # noqa: F401  (registers every table on the metadata)
from app.extensions import db

target_metadata = db.metadata


def run_migrations() -> None:
    connectable = db.engine
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
