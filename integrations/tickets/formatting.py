"""Pure formatters: what the ticket flows post to Slack and write to Jira. No I/O.

Slack side: the issue card posted when an issue is created from Slack, and the failure
notice. Jira side: the issue description and the comment mirroring a Slack message, as wiki
markup (REST API v2) or ADF (v3), built from the same parsed mrkdwn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from integrations.jira.buttons import card_buttons
from integrations.jira_api.errors import JiraError, JiraUnavailable
from integrations.jira_api.models import CreatedIssue, RichText
from integrations.messages import SlackMessage
from integrations.slack_text import escape
from integrations.slack_to_jira import (
    Mention,
    render_adf,
    render_wiki,
    to_adf,
    to_wiki,
    wiki_escape,
)
from integrations.slack_to_jira.parse import parse
from integrations.slack_to_jira.tree import Block, Paragraph, Text
from integrations.tickets.models import TicketRequest


def slack_link(url: str, label: str) -> str:
    return f"<{url}|{escape(label).replace('|', '¦')}>"


# --- Slack ---------------------------------------------------------------------------------


def issue_card(
    created: CreatedIssue,
    request: TicketRequest,
    notes: tuple[str, ...] = (),
    *,
    more: tuple[str, ...] = (),
) -> SlackMessage:
    """The message announcing an issue created from Slack: key, link, type, status, summary;
    `more`: facts it has gained since (mrkdwn, e.g. `*Assignee:* <@U…>`)."""
    title = f"{slack_link(created.url, created.key)} {escape(created.summary)}"
    details = [
        f"*Type:* {escape(created.issue_type or 'unknown')}",
        f"*Status:* {escape(created.status or 'unknown')}",
        *more,
    ]
    context = [f"Created from Slack by <@{request.user_id}>", *notes]
    text = f"<@{request.user_id}> created {created.key}: {escape(created.summary)}"
    return SlackMessage(
        text=text,
        blocks=(
            SectionBlock(
                text=MarkdownTextObject(text=f":ticket: *{title}*\n" + " · ".join(details))
            ),
            ContextBlock(elements=[MarkdownTextObject(text=" · ".join(context))]),
            card_buttons(created.key, created.url),
        ),
    )


def creation_failed(
    request: TicketRequest, error: JiraError, integration_id: int | None
) -> SlackMessage:
    """Tell the user what failed, and that their request is kept."""
    what = f"“{escape(request.summary)}” in {escape(request.project)}"
    lines = [f":warning: I couldn't create the Jira issue {what}: {escape(str(error))}."]
    if isinstance(error, JiraUnavailable) and "did not answer" in str(error):
        lines.append("Jira may have created it anyway: look in the project before a retry.")
    if integration_id is not None:
        lines.append(
            f"Nothing is lost: your request is kept as integration #{integration_id}, and an "
            f"admin can replay it (`POST /api/v1/integrations/{integration_id}/retry`)."
        )
    return SlackMessage.section("\n".join(lines))


def notice(text: str) -> SlackMessage:
    return SlackMessage.section(text)


# --- Jira ----------------------------------------------------------------------------------


def _with_prefix(blocks: tuple[Block, ...], prefix: str) -> tuple[Block, ...]:
    """`prefix` in front of the first line when the text starts with a paragraph, else as
    a paragraph of its own."""
    head = (Text(prefix),)
    if blocks and isinstance(blocks[0], Paragraph):
        first = blocks[0]
        lines = ((*head, *first.lines[0]), *first.lines[1:])
        return (Paragraph(lines), *blocks[1:])
    return (Paragraph((head,)), *blocks)


def _render(
    blocks: tuple[Block, ...],
    footer: list[tuple[str, str | None]],
    *,
    v3: bool,
    mentions: Mapping[str, Mention],
) -> RichText:
    """Blocks then footer lines `(text, link or None)`, as wiki markup or ADF."""
    if v3:
        content: list[dict[str, Any]] = render_adf(blocks, mentions)
        for text, url in footer:
            nodes: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            if url:
                nodes.append(
                    {
                        "type": "text",
                        "text": "View in Slack",
                        "marks": [{"type": "link", "attrs": {"href": url}}],
                    }
                )
            content.append({"type": "paragraph", "content": nodes})
        return {"type": "doc", "version": 1, "content": content}
    parts = [render_wiki(blocks, mentions)] if blocks else []
    for text, url in footer:
        parts.append(wiki_escape(text) + (f"[View in Slack|{url}]" if url else ""))
    return "\n\n".join(p for p in parts if p)


def rich_text(text: str, *, v3: bool) -> RichText:
    """Slack mrkdwn for a Jira rich-text field."""
    return to_adf(text) if v3 else to_wiki(text)


def description(
    request: TicketRequest,
    *,
    reporter_set: bool,
    reporter_name: str,
    author_name: str | None,
    mentions: Mapping[str, Mention],
    v3: bool,
) -> RichText | None:
    """The issue description: the user's text, where it came from, and who reported it."""
    footer: list[tuple[str, str | None]] = []
    if request.permalink:
        by = f" by {author_name}" if author_name else ""
        footer.append((f"From a Slack message{by}: ", request.permalink))
    if not reporter_set:
        footer.append((f"Reported from Slack by {reporter_name}.", None))
    blocks = parse(request.description) if request.description.strip() else ()
    if not blocks and not footer:
        return None
    return _render(blocks, footer, v3=v3, mentions=mentions)


VIA_SLACK = " via Slack: "
"""What follows the author's name at the start of a comment mirrored from Slack."""


def comment(
    author_name: str,
    text: str,
    permalink: str | None,
    *,
    mentions: Mapping[str, Mention],
    v3: bool,
) -> RichText:
    """A Slack thread message as a Jira comment: `<name> via Slack: …` and the permalink."""
    blocks = _with_prefix(parse(text), f"{author_name}{VIA_SLACK}")
    footer: list[tuple[str, str | None]] = [("", permalink)] if permalink else []
    return _render(blocks, footer, v3=v3, mentions=mentions)
