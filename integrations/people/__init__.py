"""Who is who: one person across Slack, Jira and GitHub.

- `Directory`: a Slack user's name and email (`users.info`) and their Jira account, matched
  by email (or, when Jira hides emails, by a display name exactly one Jira user has: a
  weaker `name` match), stored in the people table and cached, so a known person costs no
  network call per message; links made by hand (`/ticket link`, the API) always win;
- `SlackUsersByEmail`: the Slack user of an email address (`users.lookupByEmail`), for the
  Jira users an event mentions;
- `NotifySettings`: `/ticket notify …`, each person's direct-message settings.

A Slack failure degrades to the user id as the name (or no mention); a Jira outage
propagates (the caller's Jira call would fail anyway).
"""

from integrations.people.directory import Directory
from integrations.people.links import UNSET, PeopleLinks, Refused, Unset
from integrations.people.notify import NotifySettings
from integrations.people.slack import SlackPerson, SlackUsersByEmail

__all__ = [
    "UNSET",
    "Directory",
    "NotifySettings",
    "PeopleLinks",
    "Refused",
    "SlackPerson",
    "SlackUsersByEmail",
    "Unset",
]
