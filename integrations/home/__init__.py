"""The App Home: each person's Jira issues, pull requests awaiting their review and
notification settings, and for admins the delivery health (`HomeService`)."""

from integrations.home.service import HomeService, RetryOutcome

__all__ = ["HomeService", "RetryOutcome"]
