"""Telling people something: an in-app notification each, and an e-mail through the job
queue when SMTP is configured (so a slow or absent mail server never holds a request,
and a failed send is retried by the worker, then shown to finance as an incident)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app

from app.extensions import db
from app.models import Job, Notification, Task, User
from app.services.foundation.clock import now
from app.services.foundation.document_format import county_time  # noqa: F401  (senders format with it)
from app.services.foundation.jobs import enqueue, job_handler


def notify(
    users: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str,
    task: Task | None = None,
    instance_id: int | None = None,
    sender: User | None = None,
) -> None:
    """In the caller's transaction: one notification per user, one queued e-mail."""
    at = now()
    users = list(users)
    instance_id = instance_id or (task.instance_id if task is not None else None)
    for user in users:
        db.session.add(
            Notification(
                user_id=user.id,
                at=at,
                kind=kind,
                title=title,
                body=body,
                task_id=task.id if task is not None else None,
                instance_id=instance_id,
                sender_id=sender.id if sender is not None else None,
            )
        )
    addresses = sorted({u.email for u in users if u.email})
    if addresses and current_app.config.get("MAIL_SERVER"):
        enqueue(
            "send_email",
            payload={"to": addresses, "subject": title, "body": body},
            instance_id=instance_id,
        )


@job_handler("send_email", outside_transaction=True)
def _send_queued_email(job: Job) -> None:
    send_mail(
        dict(current_app.config), job.payload["to"], job.payload["subject"], job.payload["body"]
    )


def send_mail(config: dict, to: list[str], subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "perfbudget@localhost")
    message["To"] = ", ".join(to)
    # Titles and step names may span lines; a header may not (a CR/LF in it would start
    # another header).
    message["Subject"] = " ".join(subject.split())
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=10) as smtp:
        smtp.send_message(message)
