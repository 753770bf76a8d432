"""The service's index: every SQL statement of the node lives in this package.

SQLite by default, PostgreSQL by URL; the schema comes from Alembic migrations. Services
get typed rows (:mod:`api.index.rows`) and never see SQL.
"""

from api.index.migrate import make_engine
from api.index.repository import Index

__all__ = ["Index", "make_engine"]
