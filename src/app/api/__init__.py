"""JSON API v1 (the contract in DESIGN.md)."""

from flask import Blueprint

from app.api.errors import json_any_error

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
api_blueprint.register_error_handler(Exception, json_any_error)

from app.api import (  # noqa: E402,F401  (registers the handlers)
    routes,
    routes_documents,
    routes_indicators,
    routes_messages,
    routes_rectifications,
    routes_tracking,
)

# The department level's handlers (api/routes_department.py).
from app.api import routes_department  # noqa: E402,F401  # isort: skip

# The county's budget as a whole (api/routes_county.py).
from app.api import routes_county  # noqa: E402,F401  # isort: skip
