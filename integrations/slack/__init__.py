"""Slack, the app's one writer: clients, the one classification of Slack errors, and the
poster that turns rendered events into parent cards, thread replies and edits.

- `clients`: the two `WebClient`s (listeners retry in the SDK; the worker's queue retries);
- `errors`: every Slack API failure as unavailable (retry later), refused, or a target gone;
- `writer`: `SlackWriter`, the calls themselves (post, permalink, tell one user);
- `pacer`: `ChannelPacer`, about one post a second per channel, a busy channel's events
  deferred rather than waited for;
- `posts`: what the poster reports, and the thread and reply keys it understands;
- `poster`: `SlackPoster`, parent versus reply, edits, tags and mappings of one event.
"""
