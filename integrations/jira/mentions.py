"""Resolve the Jira users an event mentions: a Slack mention when the person is found in
Slack by e-mail, their Jira display name otherwise.

Only users the payload itself describes can be resolved (the actor, the comment author, the
assignee and the reporter); their e-mail, when Jira shows it, is looked up in Slack with
`users.lookupByEmail`. A mention of anyone else renders as `@name` (`@someone` for a bare
Cloud account id). Lookups are cached for a few minutes, misses included; a Slack error only
costs the Slack mention, never the delivery.
"""

from __future__ import annotations

from integrations.jira.markup import slack_escape
from integrations.jira.models import JiraWebhook
from integrations.people import SlackUsersByEmail


def resolve(event: JiraWebhook, slack_users: SlackUsersByEmail | None) -> dict[str, str]:
    """Jira account id / user name / key → mrkdwn for every user the payload describes."""
    mentions: dict[str, str] = {}
    for user in event.users():
        if not user.refs:
            continue
        rendered = "@" + slack_escape(user.label)
        if user.email and slack_users is not None:
            slack_id = slack_users.user_id(user.email)
            if slack_id:
                rendered = f"<@{slack_id}>"
        for ref in user.refs:
            mentions.setdefault(ref, rendered)
    return mentions
