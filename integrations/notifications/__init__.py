"""Personal notifications: direct messages to the people an event concerns, opt-in.

- `messages`: who an event owes a DM and what it says (pure);
- `outbox`: the handlers of `github → slack` and `jira → slack` queue each DM as its own
  event (`slack → slack`, `slack:dm`), for the people whose settings take it, once per
  (event, person, kind); the worker delivers it with `deliver`: `conversations.open`, then
  the message through the poster (tagged, read back on a retry: never twice), with a link
  to the Slack thread where the event was posted.
"""
