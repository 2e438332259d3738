"""Jira → Slack: webhook models, the event table, pure formatters, markup conversion, and
the delivery handler (registered with `integrations.delivery` when this package is imported).

- `models`: the payload fields used, validated once;
- `dispatch`: `webhookEvent` (+ `issue_event_type_name`) → formatter, ignore lists with reasons;
- `formatters`: pure Block Kit builders (issue card, change summary, comments);
- `markup`: Jira wiki markup and Atlassian Document Format → Slack mrkdwn;
- `mentions`: Jira users → Slack mentions or display names;
- `handler`: routing to linked threads and subscriptions, loop prevention, comment edits.
"""

from integrations.jira import handler as handler

__all__ = ["handler"]
