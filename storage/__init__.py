"""Storage: SQLAlchemy 2.0 models, sessions, Alembic migrations, and the repositories.

Only this package imports SQLAlchemy; the rest of the app uses `Repositories` and the
frozen objects of `storage.domain`.
"""

from storage.db import Database
from storage.repository import (
    IntegrationFilter,
    MappingFilter,
    Repositories,
    SubscriptionFilter,
)

__all__ = ["Database", "IntegrationFilter", "MappingFilter", "Repositories", "SubscriptionFilter"]
