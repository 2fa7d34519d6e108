"""The county's budget as a whole for people (本级预算草案): where the year's review
stands, the totals by department and function, and every selected project, for those
who may see every department — with a link down to each department and project."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models.project import COUNTY_APPROVED, COUNTY_REVIEWING
from app.performance.county_budget import county_budget_overview, county_budget_years
from app.services.foundation.clock import now
from app.services.foundation.errors import Forbidden
from app.services.foundation.policy import may_see_county_budget

STATUS_NAMES = {
    None: _l("Not yet submitted for review"),
    COUNTY_REVIEWING: _l("Before the county government and the congress"),
    COUNTY_APPROVED: _l("Approved by the county people's congress"),
}


@dataclass
class CountyBudgetYear:
    fiscal_year: int
    years: list[int]
    budget: dict | None  # county_budget_overview's answer; None: nothing selected yet

    @property
    def status_name(self) -> str:
        return str(STATUS_NAMES[self.budget["status"] if self.budget else None])


def county_budget_year(actor, fiscal_year: int | None) -> CountyBudgetYear:
    """The year's county budget (the newest year with selected projects when none is
    named, else the coming year). Raises Forbidden for those who do not see every department."""
    if not may_see_county_budget(actor):
        raise Forbidden(
            _l(
                "Only the finance bureau, the county government and the congress see "
                "the county's budget as a whole"
            )
        )
    years = county_budget_years()
    if fiscal_year is None:  # the newest year 遴选 selected for, else the coming one
        fiscal_year = years[0] if years else now().year + 1
    return CountyBudgetYear(fiscal_year, years, county_budget_overview(fiscal_year))
