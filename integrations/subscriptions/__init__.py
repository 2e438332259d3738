"""Subscriptions: which channels receive which GitHub and Jira events.

- `rules`: the features, events and filters a subscription may name, and their validation;
- `syntax`: the `/ticket subscribe` command text to a request, and back;
- `service`: `SubscriptionService`, the one way to subscribe, unsubscribe and list, used by
  the slash command and by `/api/v1/subscriptions` alike.
"""

from integrations.subscriptions.rules import (
    GITHUB_BROADCASTS,
    GITHUB_DEFAULT_FEATURES,
    GITHUB_FEATURES,
    GITHUB_REPO,
    JIRA_DEFAULT_EVENTS,
    JIRA_EVENTS,
    JIRA_PROJECT,
    SLACK_CHANNEL,
    GitHubFilters,
    JiraFilters,
    normalise_events,
    normalise_filters,
    valid_github_feature,
    valid_source_id,
)
from integrations.subscriptions.syntax import (
    SubscriptionRequest,
    SubscriptionSyntaxError,
    describe_subscription,
    parse_subscription,
    source_name,
)

__all__ = [
    "GITHUB_BROADCASTS",
    "GITHUB_DEFAULT_FEATURES",
    "GITHUB_FEATURES",
    "GITHUB_REPO",
    "JIRA_DEFAULT_EVENTS",
    "JIRA_EVENTS",
    "JIRA_PROJECT",
    "SLACK_CHANNEL",
    "GitHubFilters",
    "JiraFilters",
    "SubscriptionRequest",
    "SubscriptionSyntaxError",
    "describe_subscription",
    "normalise_events",
    "normalise_filters",
    "parse_subscription",
    "source_name",
    "valid_github_feature",
    "valid_source_id",
]
