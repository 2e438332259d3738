"""Resolve the Jira users an event names: a Slack mention (`<@U…>`) when the people
directory knows the person, their Jira display name otherwise (never a raw account id).

Users the payload describes (the actor, the comment author, the assignee and the reporter)
are looked up in the directory by account id / user name / key, then by the email Jira shows
(`users.lookupByEmail`; a find is stored as an `email` match). Everyone else an event names —
the old and new assignee of a changelog, `[~accountid:…]`, `[~name]` and ADF mentions in a
comment — is looked up in the directory only (no network call). A Slack error only costs the
Slack mention, never the delivery.
"""

from __future__ import annotations

from integrations.jira.markup import mentioned_refs, slack_escape
from integrations.jira.models import JiraWebhook
from integrations.people import Directory

PERSON_FIELDS = {"assignee", "reporter"}
"""Changelog fields whose `from`/`to` are Jira users (account id, or user name on Server)."""


def resolve(event: JiraWebhook, people: Directory | None) -> dict[str, str]:
    """Jira account id / user name / key → mrkdwn for every user the event names that can be
    shown: `<@U…>` when known, `@Display Name` for a user the payload describes."""
    mentions: dict[str, str] = {}
    for user in event.users():
        if not user.refs:
            continue
        rendered = "@" + slack_escape(user.label)
        account = user.account_id or user.name
        if people is not None and account:
            slack_id = people.slack_user_of(
                account, key=user.key, display_name=user.display_name, email=user.email
            )
            if slack_id:
                rendered = f"<@{slack_id}>"
        for ref in user.refs:
            mentions.setdefault(ref, rendered)
    if people is None:
        return mentions
    for ref in _other_refs(event) - set(mentions):
        slack_id = people.slack_user_of(ref)
        if slack_id:
            mentions[ref] = f"<@{slack_id}>"
    return mentions


def _other_refs(event: JiraWebhook) -> set[str]:
    refs = {
        value
        for item in event.changes
        if item.field.lower() in PERSON_FIELDS
        for value in (item.from_value, item.to_value)
        if value
    }
    if event.comment is not None:
        refs |= mentioned_refs(event.comment.body)
    return refs
