"""Slack → Jira: issues created from Slack, and Slack thread replies mirrored as comments.

- `models`: the requests the Slack side hands over, stored as replayable event payloads;
- `service`: `TicketService`, create an issue and link its Slack thread;
- `comments`: `CommentSync`, thread replies as Jira comments (add, edit, delete);
- `thread_events`: which Slack `message` events are thread replies to mirror (pure);
- `formatting`: the issue card, notices, and Jira descriptions and comments (pure);
- `delivery`: the worker's handler of `slack → jira` events (replays).

The services are built once by `integrations.container`; the Bolt listeners (`bot/`) make
the first attempt, the worker any later one.
"""
