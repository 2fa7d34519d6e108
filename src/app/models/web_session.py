"""Web sessions kept on the server: a row per sign-in, so that signing out ends it.

Flask's session cookie is signed but self-contained: clearing it in one browser does not
stop a copy of it taken earlier. The cookie therefore carries only a random key; the
row named by the key's digest is what makes it a session. Signing out deletes the row,
and a new password, deactivation or "sign out everywhere" deletes all of a user's rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User


class WebSession(db.Model):
    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the key: a copy of the table (a backup) opens no session.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    # SESSION_MAX_AGE after sign-in. The cookie's signed sign-in time ends the session then
    # (web/sessions.py, which also deletes the row); rows of sessions nobody came back
    # to are cleared at their user's next sign-in.
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="raise_on_sql")
