"""Slack → Jira: issues created from Slack, and Slack thread replies mirrored as comments.

- `models`: the requests the Slack side hands over, stored as replayable event payloads;
- `service`: `TicketService`, create an issue and link its Slack thread;
- `comments`: `CommentSync`, thread replies as comments (add, edit, delete) on the Jira
  issue, or (`sync_comments`) the GitHub pull request or issue, of the thread;
- `comment_targets`: where comments go (the interface, and Jira's; GitHub's is
  `integrations.github.slack_comments`);
- `thread_events`: which Slack `message` events are thread replies to mirror (pure);
- `formatting`: the issue card, notices, and Jira descriptions and comments (pure);
- `delivery`: the worker's handlers of `slack → jira` and `slack → github` events (replays).

The services are built once by `integrations.container`; the Bolt listeners (`bot/`) make
the first attempt, the worker any later one.
"""
