"""flask commands: init-db [--demo] (a contract: tests outside the project use it)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from app.migrations import upgrade_schema


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    @click.option(
        "--demo", is_flag=True, help="Add the demo county and deploy processes/ and forms/."
    )
    def init_db(demo: bool) -> None:
        """Create or migrate the schema in DATABASE_URL."""
        from app.services.setup import create_demo_county, deploy_folder, ensure_roles

        upgrade_schema()
        ensure_roles()
        click.echo(f"数据库已就绪 (schema up to date): {_safe_url()}")
        if demo:
            if create_demo_county():
                click.echo("已创建演示县 (demo county created); every demo password is 'demo'")
            deployed = deploy_folder(
                Path(current_app.config["PROCESSES_DIR"]), Path(current_app.config["FORMS_DIR"])
            )
            for definition in deployed:
                click.echo(f"已部署 {definition.key} v{definition.version}")
            from app.services.demo import demo_processes_deployed, seed_demo_year

            # Only with the four processes of the brief (test fixtures deploy others).
            if demo_processes_deployed() and seed_demo_year():
                click.echo(
                    "已生成演示年度数据 (demo year: 2026 graded, 2027 approved, rounds open)"
                )

    @app.cli.command("set-password")
    @click.argument("username")
    @click.password_option(help="The new password (asked twice when not given).")
    def set_password(username: str, password: str) -> None:
        """Give an account a password its owner must change at next sign-in."""
        from app.services.accounts import assign_password
        from app.services.errors import ServiceError

        try:
            user = assign_password(username, password)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"已为 {user.username} 设置密码，首次登录须修改 (must change at next sign-in)")

    @app.cli.command("send-digests")
    def send_digests() -> None:
        """Send each user the daily digest of their overdue tasks (run from cron)."""
        from app.services.reminders import send_overdue_digests

        click.echo(f"已发送 {send_overdue_digests()} 份逾期日报 (digests sent)")


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )
