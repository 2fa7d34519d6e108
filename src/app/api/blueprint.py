"""The blueprint of JSON API v1, which every route module of api/ registers on."""

from flask import Blueprint

from app.api.errors import json_any_error

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
api_blueprint.register_error_handler(Exception, json_any_error)
