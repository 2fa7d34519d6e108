"""Flask extensions, created unbound so that create_app() alone wires them."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No default limits: only signing in is throttled (routes_auth, api/routes), on failures.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
