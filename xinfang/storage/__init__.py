"""Storage: models, engine and sessions, schema migrations (Alembic)."""

from xinfang.storage.db import check_schema, engine, make_engine, session, upgrade
from xinfang.storage.models import Base

__all__ = ["Base", "check_schema", "engine", "make_engine", "session", "upgrade"]
