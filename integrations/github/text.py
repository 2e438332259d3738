"""Slack mrkdwn from GitHub text: escaping, links, quotes and lengths.

Everything a GitHub user typed (titles, bodies, branch names, labels, commit messages) goes
through `escape` before it reaches Slack, so `<!channel>` or `<https://evil|x>` in a PR title
stays text. Slack asks for exactly `&`, `<` and `>` to be escaped in mrkdwn. `escape` and
`link` (which sanitises the URL) live in `integrations.slack_text`, shared with Jira.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from integrations.messages import SlackMessage
from integrations.slack_text import escape, link

__all__ = ["code", "escape", "first_line", "link", "message", "quote", "truncate"]

SECTION_LIMIT = 3000  # Slack's limit for a section block's text
BODY_LIMIT = 600  # a quoted body: enough to be useful in a thread, short enough to scan
LINE_LIMIT = 100  # one commit subject in a list


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def code(text: str) -> str:
    """Inline code (branch names, paths, labels); backticks inside cannot be escaped, so go."""
    return "`" + escape(text.replace("`", "'")) + "`"


def first_line(text: str | None, limit: int = LINE_LIMIT) -> str:
    lines = (text or "").strip().splitlines()
    return truncate(lines[0].strip(), limit) if lines else ""


def quote(text: str | None, limit: int = BODY_LIMIT) -> str:
    """A block quote of user text (a PR body, a comment), trimmed; empty for no text."""
    body = (text or "").replace("\r\n", "\n").strip()
    if not body:
        return ""
    body = truncate(body, limit)
    return "\n".join("&gt; " + escape(line) if line else "&gt;" for line in body.split("\n"))


def message(line: str, detail: str = "", *, context: str = "") -> SlackMessage:
    """A message whose notification text is `line` and whose block adds `detail` below it."""
    text = f"{line}\n{detail}" if detail else line
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))
    ]
    if context:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=context)]))
    return SlackMessage(text=line, blocks=tuple(blocks))
