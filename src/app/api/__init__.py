"""JSON API v1 (the contract in DESIGN.md)."""

from flask import Blueprint

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import routes  # noqa: E402,F401  (registers the handlers on the blueprint)
