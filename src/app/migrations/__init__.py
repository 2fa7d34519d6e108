"""Alembic migrations, run from `flask init-db` against the app's own database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import current_app

HERE = Path(__file__).resolve().parent


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option(
        "sqlalchemy.url",
        current_app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"),
    )
    return config


def upgrade_schema() -> None:
    """Bring the schema to the newest revision (creates it on an empty database)."""
    command.upgrade(alembic_config(), "head")
