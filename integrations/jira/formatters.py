"""Pure Jira → Slack formatters: a webhook in, a `ThreadPost` (Block Kit) out. No I/O.

Every issue event renders the issue's *card* (its current state: key, summary, type, status,
priority, assignee), which the poster posts as a thread's parent or edits in place, and a
*reply* saying what happened, by whom. Comment text and mentions go through `markup`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from integrations.jira.buttons import card_buttons
from integrations.jira.markup import slack_escape, to_mrkdwn
from integrations.jira.models import ChangeItem, Comment, Issue, JiraWebhook, User
from integrations.messages import Ignored, Rendered, SlackMessage, ThreadPost

SECTION_LIMIT = 3000
VALUE_LIMIT = 200

FIELD_LABELS = {
    "status": "Status",
    "assignee": "Assignee",
    "reporter": "Reporter",
    "priority": "Priority",
    "summary": "Summary",
    "resolution": "Resolution",
    "labels": "Labels",
    "fix version": "Fix versions",
    "version": "Affects versions",
    "component": "Components",
    "sprint": "Sprint",
    "issuetype": "Issue type",
    "description": "Description",
    "environment": "Environment",
    "duedate": "Due date",
    "attachment": "Attachments",
    "parent": "Parent",
    "epic link": "Epic",
    "key": "Key",
    "project": "Project",
}
"""Changelog `field` (lower-cased) → label; custom fields show under their own name."""

PERSON_FIELDS = {"assignee", "reporter"}
"""Changelog fields whose `from`/`to` are Jira users (account id, or user name on Server)."""
EMPTY_VALUE = {"assignee": "Unassigned", "resolution": "Unresolved"}
MULTI_VALUED = {"fix version", "version", "component", "sprint"}
WORD_LISTS = {"labels", "attachment"}
"""Fields whose changelog strings are space-separated lists: shown as added/removed."""
EDITED_ONLY = {"description", "environment"}
HIDDEN_FIELDS = frozenset(
    {"rank", "workflow", "worklogid", "timespent", "timeestimate", "timeoriginalestimate",
     "aggregatetimespent", "aggregatetimeestimate", "aggregatetimeoriginalestimate",
     "remoteissuelink", "link", "flagged"}
)  # fmt: skip
"""Changelog fields that are noise in a conversation (board order, time tracking)."""

BROADCAST_KINDS = {
    "status": "status",
    "assignee": "assignee",
    "priority": "priority",
    "resolution": "resolution",
    "summary": "summary",
    "labels": "labels",
    "fix version": "fix_versions",
    "sprint": "sprint",
    "issuetype": "issue_type",
}
"""Changelog field → the name a subscription's `broadcast` filter uses for it."""


@dataclass(frozen=True, slots=True)
class Context:
    """What the handler resolved for the formatters: Jira user id/name/key → mrkdwn.

    `mentions` renders mentions in comment bodies (`<@U…>` or `@Name`); `people` holds only
    the Slack users among them, and turns the actor, the comment author and the assignee
    (old and new) into `<@U…>` where known (their display name otherwise)."""

    mentions: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)
    actor: str | None = None
    """Who really made the change, when the app's account made it for them from Slack (a
    card button): named instead of the event's user, "from Slack"."""


def slack_mentions(mentions: Mapping[str, str]) -> dict[str, str]:
    """The entries of `mentions` that are Slack users (`<@U…>`)."""
    return {ref: text for ref, text in mentions.items() if text.startswith("<@")}


NO_CONTEXT = Context()


# Building blocks ---------------------------------------------------------------------------


def _clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issue_link(issue: Issue) -> str:
    url = issue.browse_url
    return f"<{url}|{issue.key}>" if url else issue.key


def person(user: User | None, ctx: Context, default: str = "Someone") -> str:
    """`<@U…>` when the directory knows the user, else their display name."""
    if user is None:
        return default
    for ref in user.refs:
        if ref in ctx.people:
            return ctx.people[ref]
    return slack_escape(user.label)


def _who(event: JiraWebhook, ctx: Context) -> str:
    return person(event.user, ctx)


def _message(text: str) -> SlackMessage:
    text = _clip(text)
    return SlackMessage.section(text)


def issue_card(issue: Issue, ctx: Context = NO_CONTEXT) -> SlackMessage | None:
    """The parent message of an issue's thread, or None when the payload lacks the state
    (Cloud comment events carry a reduced issue; a card built from it would lose fields)."""
    fields = issue.fields
    if not (fields.has("status") and fields.has("assignee")):
        return None
    summary = slack_escape(fields.summary or "")
    facts = []
    if fields.issuetype and fields.issuetype.name:
        facts.append(slack_escape(fields.issuetype.name))
    if fields.status and fields.status.name:
        facts.append(f"Status: *{slack_escape(fields.status.name)}*")
    if fields.priority and fields.priority.name:
        facts.append(f"Priority: {slack_escape(fields.priority.name)}")
    facts.append(f"Assignee: {person(fields.assignee, ctx, 'Unassigned')}")
    if fields.resolution and fields.resolution.name:
        facts.append(f"Resolution: {slack_escape(fields.resolution.name)}")
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=_clip(f"*{issue_link(issue)}: {summary}*")))
    ]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))]))
    blocks.append(card_buttons(issue.key, issue.browse_url))
    status = fields.status.name if fields.status and fields.status.name else None
    text = f"{issue.key}: {fields.summary or ''}".strip() + (f" ({status})" if status else "")
    return SlackMessage(text=_clip(slack_escape(text)), blocks=tuple(blocks))


def deleted_card(issue: Issue) -> SlackMessage:
    summary = slack_escape(issue.fields.summary or "")
    text = f"~{issue.key}: {summary}~ _(deleted in Jira)_"
    return SlackMessage.section(text)


# Changelog -------------------------------------------------------------------------------


def _value(text: str | None, name: str) -> str:
    if text is None or not text.strip():
        return EMPTY_VALUE.get(name, "none")
    return slack_escape(_clip(" ".join(text.split()), VALUE_LIMIT))


def _words(text: str | None) -> list[str]:
    return (text or "").strip().strip('"').split()


def change_line(item: ChangeItem, ctx: Context = NO_CONTEXT) -> str | None:
    """One bullet for one changelog item, or None when the field is not shown."""
    name = item.field.lower()
    if name in HIDDEN_FIELDS:
        return None
    label = slack_escape(item.field) if item.is_custom else FIELD_LABELS.get(name, item.field)
    if name in EDITED_ONLY:
        return f"• *{label}:* edited"
    if name in WORD_LISTS:
        before, after = _words(item.from_string), _words(item.to_string)
        added = [w for w in after if w not in before]
        removed = [w for w in before if w not in after]
        parts = []
        if added:
            parts.append("added " + ", ".join(slack_escape(w) for w in added))
        if removed:
            parts.append("removed " + ", ".join(slack_escape(w) for w in removed))
        return f"• *{label}:* " + ("; ".join(parts) or "unchanged")
    before, after = item.from_string, item.to_string
    if name in PERSON_FIELDS:
        old, new = ctx.people.get(item.from_value or ""), ctx.people.get(item.to_value or "")
        if old or new:
            return f"• *{label}:* {old or _value(before, name)} → {new or _value(after, name)}"
    if name in MULTI_VALUED and not (before or "").strip():
        return f"• *{label}:* added {_value(after, name)}"
    if name in MULTI_VALUED and not (after or "").strip():
        return f"• *{label}:* removed {_value(before, name)}"
    return f"• *{label}:* {_value(before, name)} → {_value(after, name)}"


def change_lines(event: JiraWebhook, ctx: Context = NO_CONTEXT) -> list[str]:
    lines = [line for line in (change_line(i, ctx) for i in event.changes) if line]
    if not lines and event.issue_event_type_name == "issue_assigned" and event.issue:
        lines.append(f"• *Assignee:* {person(event.issue.fields.assignee, ctx, 'Unassigned')}")
    return lines


def change_kinds(event: JiraWebhook) -> set[str]:
    """What changed, in the vocabulary of a subscription's `broadcast` filter."""
    kinds = {BROADCAST_KINDS.get(i.field.lower(), i.field.lower()) for i in event.changes}
    if event.issue_event_type_name == "issue_assigned":
        kinds.add("assignee")
    return kinds


def hidden_only(event: JiraWebhook) -> str | None:
    """Why an issue update shows nothing (only hidden fields changed), or None."""
    if change_lines(event):
        return None
    changed = sorted({i.field for i in event.changes})
    if changed:
        return "only fields that are not posted changed: " + ", ".join(changed)
    return "the update has no changelog"


# Formatters ------------------------------------------------------------------------------


def issue_created(event: JiraWebhook, ctx: Context) -> Rendered:
    assert event.issue is not None
    return ThreadPost(thread_key=f"jira:{event.issue.key}", card=issue_card(event.issue, ctx))


def issue_updated(event: JiraWebhook, ctx: Context) -> Rendered:
    assert event.issue is not None
    lines = change_lines(event, ctx)
    if not lines:
        return Ignored(hidden_only(event) or "nothing to show")
    who, where = (ctx.actor, " from Slack") if ctx.actor else (_who(event, ctx), "")
    text = f"{who} updated {issue_link(event.issue)}{where}:\n" + "\n".join(lines)
    return ThreadPost(
        thread_key=f"jira:{event.issue.key}",
        card=issue_card(event.issue, ctx),
        reply=_message(text),
        # An update made with a comment (Server's transition screens) is that comment's
        # reply: Jira's own comment event for it then edits this reply, not posts another.
        reply_key=reply_key(event.issue, event.comment) if event.comment else None,
    )


def issue_deleted(event: JiraWebhook, ctx: Context) -> Rendered:
    assert event.issue is not None
    summary = slack_escape(event.issue.fields.summary or "")
    text = f"{_who(event, ctx)} deleted {event.issue.key}: {summary}".rstrip(": ")
    return ThreadPost(
        thread_key=f"jira:{event.issue.key}",
        card=deleted_card(event.issue),
        reply=_message(text),
    )


def _author(comment: Comment, ctx: Context, *, editor: bool = False) -> str:
    user = (comment.update_author or comment.author) if editor else comment.author
    return person(user, ctx)


def comment_text(issue: Issue, comment: Comment, ctx: Context, *, edited: bool = False) -> str:
    body = to_mrkdwn(comment.body, ctx.mentions) or "_(no text)_"
    note = " _(edited)_" if edited else ""
    return f"{_author(comment, ctx)} commented on {issue_link(issue)}{note}:\n{body}"


def reply_key(issue: Issue, comment: Comment) -> str:
    """The identity of a comment's Slack reply (`jira:PROJ-1/10042`): its later edits and
    its deletion edit that reply."""
    return f"jira:{issue.key}/{comment.id}"


def comment_created(event: JiraWebhook, ctx: Context) -> Rendered:
    assert event.issue is not None
    assert event.comment is not None
    return ThreadPost(
        thread_key=f"jira:{event.issue.key}",
        card=issue_card(event.issue, ctx),
        reply=_message(comment_text(event.issue, event.comment, ctx)),
        reply_key=reply_key(event.issue, event.comment),
    )


def comment_updated(event: JiraWebhook, ctx: Context) -> Rendered:
    """The comment's reply edited to the new text; a reply of its own where none is known."""
    assert event.issue is not None
    assert event.comment is not None
    body = to_mrkdwn(event.comment.body, ctx.mentions) or "_(no text)_"
    who = _author(event.comment, ctx, editor=True)
    return ThreadPost(
        thread_key=f"jira:{event.issue.key}",
        card=issue_card(event.issue, ctx),
        reply=_message(f"{who} edited a comment on {issue_link(event.issue)}:\n{body}"),
        reply_key=reply_key(event.issue, event.comment),
        reply_edit=edited_comment_message(event.issue, event.comment, ctx),
    )


def comment_deleted(event: JiraWebhook, ctx: Context) -> Rendered:
    """The comment's reply marked as deleted; a reply saying so where none is known."""
    issue, comment = event.issue, event.comment
    assert issue is not None
    if event.user is not None:
        text = f"{_who(event, ctx)} deleted a comment on {issue_link(issue)}."
    elif comment is not None:
        text = f"A comment by {_author(comment, ctx)} was deleted on {issue_link(issue)}."
    else:
        text = f"Someone deleted a comment on {issue_link(issue)}."
    if comment is None:
        return ThreadPost(thread_key=f"jira:{issue.key}", reply=_message(text))
    return ThreadPost(
        thread_key=f"jira:{issue.key}",
        reply=_message(text),
        reply_key=reply_key(issue, comment),
        reply_edit=deleted_comment_message(issue, comment, ctx),
    )


def edited_comment_message(issue: Issue, comment: Comment, ctx: Context) -> SlackMessage:
    """What the Slack reply of a comment becomes when the comment is edited in Jira."""
    return _message(comment_text(issue, comment, ctx, edited=True))


def deleted_comment_message(
    issue: Issue, comment: Comment | None, ctx: Context = NO_CONTEXT
) -> SlackMessage:
    """What the Slack reply of a comment becomes when the comment is deleted in Jira."""
    who = f" by {_author(comment, ctx)}" if comment is not None else ""
    return _message(f"_A comment{who} on {issue_link(issue)} was deleted in Jira._")
