"""JSON API v1 (the contract in DESIGN.md). The route modules register their handlers on
the blueprint, which they import from api/blueprint.py, not from here."""

from app.api import (  # noqa: F401  (registers the handlers)
    routes,
    routes_documents,
    routes_indicators,
    routes_messages,
    routes_rectifications,
    routes_tracking,
)
from app.api.blueprint import api_blueprint

__all__ = ["api_blueprint"]

# The department level's handlers (api/routes_department.py).
from app.api import routes_department  # noqa: F401  # isort: skip

# The county's budget as a whole (api/routes_county.py).
from app.api import routes_county  # noqa: F401  # isort: skip
