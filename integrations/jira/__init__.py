"""Jira → Slack: webhook models, the event table, pure formatters, markup conversion, and
the delivery handler (routed by `integrations.routes`).

- `models`: the payload fields used, validated once;
- `intake`: classification at the webhook intake (event key, thread, ignored or not);
- `dispatch`: `webhookEvent` (+ `issue_event_type_name`) → formatter, ignore lists with reasons;
- `formatters`: pure Block Kit builders (issue card, change summary, comments);
- `markup`: Jira wiki markup and Atlassian Document Format → Slack mrkdwn;
- `mentions`: Jira users → Slack mentions or display names;
- `delivery`: the worker's handler: linked threads and subscriptions, loop prevention.
"""
