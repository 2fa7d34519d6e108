"""Pages for people: server-rendered, Chinese by default.

Every page needs a signed-in person except the login page, the language switch and
static files; the blueprint checks that once, before each request, so no route can
forget it (web/blueprint.py).
"""

# The modules register their routes, filters and context on the blueprint, which they
# import from web/blueprint.py, not from here: no module imports the package it is in.
from app.web import (
    filters,
    routes_account,
    routes_admin,
    routes_auth,
    routes_batch,
    routes_calendar,
    routes_campaigns,
    routes_control_totals,
    routes_county,
    routes_department,
    routes_diagrams,
    routes_documents,
    routes_forms,
    routes_heatmap,
    routes_inbox,
    routes_indicators,
    routes_instances,
    routes_modeler,
    routes_notifications,
    routes_rectification,
    routes_registry,
    routes_tasks,
    routes_tracking,
    routes_users,
    routes_versions,
)
from app.web.blueprint import web_blueprint

__all__ = [
    "filters",
    "routes_account",
    "routes_admin",
    "routes_auth",
    "routes_batch",
    "routes_calendar",
    "routes_campaigns",
    "routes_control_totals",
    "routes_county",
    "routes_department",
    "routes_diagrams",
    "routes_documents",
    "routes_forms",
    "routes_heatmap",
    "routes_inbox",
    "routes_indicators",
    "routes_instances",
    "routes_modeler",
    "routes_notifications",
    "routes_rectification",
    "routes_registry",
    "routes_tasks",
    "routes_tracking",
    "routes_versions",
    "routes_users",
    "web_blueprint",
]
