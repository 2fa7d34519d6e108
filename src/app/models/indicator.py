"""The indicator library (指标库): finance's 共性指标 for the whole county and each
department's own 个性指标, from which the target forms' indicator rows are picked.

A row is a level-3 indicator under its level-1 and level-2 headings, worded as the forms
word them (产出指标 › 数量指标), so that picking one copies it into a form row unchanged.
Rows are deactivated, never deleted: forms filed earlier may carry their wording.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Org

# Level 1 → its level-2 headings, in the order of 财预〔2020〕10号's framework and the forms.
INDICATOR_LEVELS: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
}
INDICATOR_SIGNS = ("≥", ">", "=", "<", "≤", "定性")


class LibraryIndicator(db.Model):
    __tablename__ = "library_indicator"
    __table_args__ = (Index("ix_library_indicator_owner_levels", "department_id", "level1"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a 共性指标 finance keeps for the county; else the department's 个性指标.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    level1: Mapped[str] = mapped_column(String(20))
    level2: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    sign: Mapped[str] = mapped_column(String(4))
    unit: Mapped[str | None] = mapped_column(String(20))
    scoring_standard: Mapped[str | None] = mapped_column(String(500))
    standard_value: Mapped[str | None] = mapped_column(String(200))
    explanation: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]

    department: Mapped[Org | None] = relationship(lazy="raise_on_sql")

    @property
    def is_common(self) -> bool:
        return self.department_id is None
