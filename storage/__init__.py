"""Storage: SQLAlchemy 2.0 models, sessions, Alembic migrations, and the repositories.

Only this package imports SQLAlchemy; the rest of the app uses `Repositories` and the
frozen objects of `storage.domain`.
"""

from storage.db import Database
from storage.integrations import IntegrationFilter
from storage.mappings import MappingFilter
from storage.people import PersonFilter
from storage.repositories import Repositories
from storage.subscriptions import SubscriptionFilter

__all__ = [
    "Database",
    "IntegrationFilter",
    "MappingFilter",
    "PersonFilter",
    "Repositories",
    "SubscriptionFilter",
]
