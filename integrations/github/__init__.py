"""GitHub → Slack: webhook payloads to posts, subscription filters, Jira keys, the REST API.

- `models`: the payload fields used, validated once;
- `intake`: classification at the webhook intake (event key, thread, ignored or not);
- `delivery`: the worker's `github → slack` handler (subscriptions, threads, Jira threads);
- `dispatch`: the event table, ignore lists with reasons, `parse`/`render`;
- `formatters`, `cards`, `text`: pure message builders (Block Kit, escaped mrkdwn);
- `filters`: which subscriptions receive an event;
- `jira_keys`: Jira issue keys named by pull requests and commits;
- `api`: PyGithub, where the API is needed (repository checks, card status, unfurls);
- `jira_comments`: the optional comment on a Jira issue a pull request names (queued, then
  delivered by its own `github → jira` handler);
- `slack_comments`: Slack thread replies as GitHub comments (`sync_comments`), the GitHub
  target of `integrations.tickets.comments.CommentSync`; `markdown`: Slack mrkdwn → GitHub
  Markdown (pure);
- `card_buttons` (pure) and `card_actions`: the Comment, Close and Reopen buttons of cards,
  and who may press them (the mapped login's collaborator role).
"""
