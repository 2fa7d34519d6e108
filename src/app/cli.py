"""flask commands: init-db [--demo] (a contract: tests outside the project use it)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import gettext as _

from app.migrations import upgrade_schema


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    @click.option(
        "--demo", is_flag=True, help="Add the demo county and deploy processes/ and forms/."
    )
    def init_db(demo: bool) -> None:
        """Create or migrate the schema in DATABASE_URL."""
        from app.services.operations.setup import create_demo_county, deploy_folder, ensure_roles

        upgrade_schema()
        ensure_roles()
        click.echo(_("Schema up to date: %(url)s", url=_safe_url()))
        if demo:
            if create_demo_county():
                click.echo(_("Demo county created; every demo password is “demo”."))
            deployed = deploy_folder(
                Path(current_app.config["PROCESSES_DIR"]), Path(current_app.config["FORMS_DIR"])
            )
            for definition in deployed:
                click.echo(
                    _(
                        "Deployed %(key)s v%(version)s",
                        key=definition.key,
                        version=definition.version,
                    )
                )
            _move_running_submissions(deployed)
            from app.services.demo.year import demo_processes_deployed, seed_demo_year

            # Only with the four processes of the brief (test fixtures deploy others).
            if demo_processes_deployed() and seed_demo_year():
                click.echo(_("Demo year created: 2026 graded, 2027 approved, rounds open."))

    @app.cli.command("set-password")
    @click.argument("username")
    @click.password_option(help="The new password (asked twice when not given).")
    def set_password(username: str, password: str) -> None:
        """Give an account a password its owner must change at next sign-in."""
        from app.services.accounts.credentials import assign_password
        from app.services.foundation.errors import ServiceError

        try:
            user = assign_password(username, password)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(
            _(
                "Password set for %(username)s; it must be changed at the next sign-in.",
                username=user.username,
            )
        )

    @app.cli.command("send-digests")
    def send_digests() -> None:
        """Send each user the daily digest of their overdue tasks (run from cron)."""
        from app.services.tracking.reminders import send_overdue_digests

        click.echo(_("%(count)s overdue digest(s) sent.", count=send_overdue_digests()))

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Run until nothing is due, then exit.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
    @click.option("--batch", default=20, show_default=True, help="Jobs claimed per round.")
    def worker(once: bool, interval: float, batch: int) -> None:
        """Run escalations, e-mails, digests and scheduled rounds from the job table."""
        import logging

        from app.services.foundation.jobs import run_worker, worker_name

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        name = worker_name()
        click.echo(_("Worker %(name)s started.", name=name), err=True)
        report = run_worker(name, once=once, interval=interval, batch=batch)
        click.echo(
            _(
                "Done %(done)s, failed %(failed)s, postponed %(postponed)s, "
                "recovered %(recovered)s.",
                done=report.done,
                failed=report.failed,
                postponed=report.postponed,
                recovered=report.recovered,
            )
        )

    @app.cli.command("check-integrity")
    @click.option("--quiet", is_flag=True, help="Do not notify finance, only print.")
    def check_integrity(quiet: bool) -> None:
        """Check that every submission's state, task rows and history agree (daily, cron).

        Finance get the outcome in their notifications; the exit status is 1 when any
        submission disagrees, so cron can also mail the output.
        """
        from app.services.operations.integrity import check_integrity as run_check

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
        from app.services.operations.backups import BackupError, backup_database

        try:
            backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_("Backup written to %(target)s.", target=str(target)))

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Confirm replacing the database's contents.")
    def restore(source: Path, yes: bool) -> None:
        """Replace the contents of DATABASE_URL with the backup SOURCE (stop the app first)."""
        from app.services.operations.backups import BackupError, restore_database

        if not yes:
            raise click.ClickException(_("Restoring replaces the database: add --yes to confirm."))
        try:
            restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_("Restored from %(source)s.", source=str(source)))


def _move_running_submissions(deployed: list) -> None:
    """Submissions running on older versions of what was just deployed move to it where
    they can; the others finish on their version, and the output says why."""
    from app.services.administration.migration import a_process_admin, move_to_new_versions

    admin = a_process_admin()
    if not deployed or admin is None:
        return
    for report in move_to_new_versions(admin, deployed, "随系统升级迁移到新版本"):
        if not report.moved and not report.stayed:
            continue
        click.echo(
            _(
                "%(key)s v%(version)s: %(moved)s running submission(s) moved, "
                "%(stayed)s finish on their version.",
                key=report.key,
                version=report.to_version,
                moved=report.moved,
                stayed=len(report.stayed),
            )
        )
        for instance_id, reasons in report.stayed.items():
            click.echo(f"  #{instance_id}：{reasons[0]}")


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )
