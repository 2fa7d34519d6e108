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
            _move_running_submissions(deployed)
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

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Run until nothing is due, then exit.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
    @click.option("--batch", default=20, show_default=True, help="Jobs claimed per round.")
    def worker(once: bool, interval: float, batch: int) -> None:
        """Run escalations, e-mails, digests and scheduled rounds from the job table."""
        import logging

        from app.services.jobs import run_worker, worker_name

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        name = worker_name()
        click.echo(f"后台进程 {name} 已启动 (worker started)", err=True)
        report = run_worker(name, once=once, interval=interval, batch=batch)
        click.echo(
            f"完成 {report.done}，失败 {report.failed}，推迟 {report.postponed}，"
            f"回收 {report.recovered} (done, failed, postponed, recovered)"
        )

    @app.cli.command("check-integrity")
    @click.option("--quiet", is_flag=True, help="Do not notify finance, only print.")
    def check_integrity(quiet: bool) -> None:
        """Check that every submission's state, task rows and history agree (daily, cron).

        Finance get the outcome in their notifications; the exit status is 1 when any
        submission disagrees, so cron can also mail the output.
        """
        from app.services.integrity import check_integrity as run_check

        report = run_check(notify=not quiet)
        click.echo(report.headline)
        for finding in report.findings:
            click.echo(f"  {finding}")
        if not report.ok:
            raise SystemExit(1)

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def backup(target: Path) -> None:
        """Write a backup of DATABASE_URL to TARGET (safe while the app runs)."""
        from app.services.backups import BackupError, backup_database

        try:
            backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"已备份到 {target} (backup written)")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Confirm replacing the database's contents.")
    def restore(source: Path, yes: bool) -> None:
        """Replace the contents of DATABASE_URL with the backup SOURCE (stop the app first)."""
        from app.services.backups import BackupError, restore_database

        if not yes:
            raise click.ClickException(
                "恢复会覆盖当前数据库，确认请加 --yes (restoring replaces the database: add --yes)"
            )
        try:
            restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"已从 {source} 恢复 (restored)")


def _move_running_submissions(deployed: list) -> None:
    """Submissions running on older versions of what was just deployed move to it where
    they can; the others finish on their version, and the output says why."""
    from app.services.migration import a_process_admin, move_to_new_versions

    admin = a_process_admin()
    if not deployed or admin is None:
        return
    for report in move_to_new_versions(admin, deployed, "随系统升级迁移到新版本"):
        if not report.moved and not report.stayed:
            continue
        click.echo(
            f"{report.key} v{report.to_version}：迁移 {report.moved} 份在办提交，"
            f"{len(report.stayed)} 份在原版本办完"
        )
        for instance_id, reasons in report.stayed.items():
            click.echo(f"  #{instance_id}：{reasons[0]}")


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )
