"""整改清单: the items evaluation and monitoring set, followed until finance closes them.

A department's "已完成" is a claim (`claimed`, 待核实), not a closing: only finance's
verification closes an item (`closed`, 销号) and says who did it and when. Each
verification is kept as a row of its own, so that the accountability list (问责/通报) can
name who decided every pass and every failure.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User
from app.models.project import Project

# The item's state. Rows closed before finance verified anything (the department's own
# 销号) stay closed, with no verifier.
RECTIFICATION_OPEN = "open"  # 整改中: set, or sent back by finance
RECTIFICATION_CLAIMED = "claimed"  # 待核实: the department reports it done
RECTIFICATION_CLOSED = "closed"  # 已销号: finance verified it
RECTIFICATION_STATUSES = (RECTIFICATION_OPEN, RECTIFICATION_CLAIMED, RECTIFICATION_CLOSED)
# What people read for each status: the one place (pages, API, printed lists).
RECTIFICATION_STATUS_LABELS = {
    RECTIFICATION_OPEN: lazy_gettext("Being rectified"),
    RECTIFICATION_CLAIMED: lazy_gettext("Awaiting verification"),
    RECTIFICATION_CLOSED: lazy_gettext("Closed"),
}

SOURCE_EVALUATION = "evaluation"  # 评价整改: set at 评价结果应用
SOURCE_MONITORING = "monitoring"  # 监控纠偏: finance's correction decision

VERIFICATION_PASSED = "passed"  # 核实通过
VERIFICATION_FAILED = "failed"  # 未通过


class RectificationItem(db.Model):
    """An item of 整改 set by evaluation or monitoring, open until finance verifies it."""

    __tablename__ = "rectification_item"
    __table_args__ = (Index("ix_rectification_item_status_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    source: Mapped[str] = mapped_column(String(20), default=SOURCE_EVALUATION)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=RECTIFICATION_OPEN)
    due_date: Mapped[date | None] = mapped_column(Date)  # 整改期限
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The department's latest report: what it did, and when it claimed the item done.
    action_taken: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    failures: Mapped[int] = mapped_column(default=0)  # finance's 未通过 so far
    last_reason: Mapped[str | None] = mapped_column(Text)  # why it was last sent back
    closed_at: Mapped[datetime | None]  # when finance verified it closed
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    project: Mapped[Project] = relationship(lazy="raise_on_sql")
    created_by: Mapped[User | None] = relationship(
        foreign_keys=[created_by_id], lazy="raise_on_sql"
    )
    claimed_by: Mapped[User | None] = relationship(
        foreign_keys=[claimed_by_id], lazy="raise_on_sql"
    )
    verified_by: Mapped[User | None] = relationship(
        foreign_keys=[verified_by_id], lazy="raise_on_sql"
    )


class RectificationVerification(db.Model):
    """One decision of finance on a claimed item: passed (closed) or failed (sent back)."""

    __tablename__ = "rectification_verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_item.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    at: Mapped[datetime]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)

    decided_by: Mapped[User] = relationship(lazy="raise_on_sql")
