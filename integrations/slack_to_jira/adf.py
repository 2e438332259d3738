"""The tree → Atlassian Document Format (what REST API v3 takes for descriptions and comments).

ADF is a JSON tree, so user text needs no escaping: styles and links become marks on text
nodes, and a user whose Jira account is known becomes a `mention` node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.slack_to_jira.mentions import Mention
from integrations.slack_to_jira.parse import parse
from integrations.slack_to_jira.tree import (
    Block,
    ChannelMention,
    Code,
    CodeBlock,
    Line,
    Link,
    Paragraph,
    Quote,
    Styled,
    Text,
    UserMention,
)

_MARKS = {"strong": "strong", "em": "em", "strike": "strike"}


def to_adf(text: str, mentions: Mapping[str, Mention] | None = None) -> dict[str, Any]:
    """Slack mrkdwn as an ADF document (what REST API v3 takes for descriptions/comments)."""
    return {"type": "doc", "version": 1, "content": render_adf(parse(text), mentions or {})}


def render_adf(blocks: tuple[Block, ...], mentions: Mapping[str, Mention]) -> list[dict[str, Any]]:
    """ADF block nodes (to combine with other nodes in one document)."""
    content: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            content.append(_paragraph(_lines(block.lines, mentions)))
        elif isinstance(block, CodeBlock):
            code: dict[str, Any] = {"type": "codeBlock"}
            if block.text:
                code["content"] = [{"type": "text", "text": block.text}]
            content.append(code)
        elif isinstance(block, Quote):
            paragraph = _paragraph(_lines(block.lines, mentions))
            content.append({"type": "blockquote", "content": [paragraph]})
        else:
            items = [
                {"type": "listItem", "content": [_paragraph(_inline(item, mentions))]}
                for item in block.items
            ]
            kind = "orderedList" if block.ordered else "bulletList"
            content.append({"type": kind, "content": items})
    return content


def _paragraph(content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "paragraph", "content": content} if content else {"type": "paragraph"}


def _lines(lines: tuple[Line, ...], mentions: Mapping[str, Mention]) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    for number, line in enumerate(lines):
        if number:
            content.append({"type": "hardBreak"})
        content += _inline(line, mentions)
    return content


def _inline(
    nodes: Line, mentions: Mapping[str, Mention], marks: tuple[dict[str, Any], ...] = ()
) -> list[dict[str, Any]]:
    """`nodes` as ADF inline nodes, each carrying `marks` (the styles around it)."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        if isinstance(node, Text):
            if node.text:
                out.append(_text(node.text, marks))
        elif isinstance(node, Code):
            # ADF allows only `link` beside `code`, and a link never wraps code here: the
            # styles around a code span are dropped.
            out.append(_text(node.text, ({"type": "code"},)))
        elif isinstance(node, Styled):
            mark = {"type": _MARKS[node.style]}
            out += _inline(node.children, mentions, (*marks, mark))
        elif isinstance(node, Link):
            link = {"type": "link", "attrs": {"href": node.url}}
            out.append(_text(node.label or node.url, (*marks, link)))
        elif isinstance(node, UserMention):
            out.append(_user(node.user_id, mentions.get(node.user_id), marks))
        elif isinstance(node, ChannelMention):
            out.append(_text("#" + (node.name or node.channel_id), marks))
        else:
            out.append(_text("@" + node.name, marks))
    return out


def _user(
    user_id: str, mention: Mention | None, marks: tuple[dict[str, Any], ...]
) -> dict[str, Any]:
    """A Jira mention when the account is known, else `@Name` (or `@U123`) as text."""
    if mention is not None and mention.jira_id:
        return {
            "type": "mention",
            "attrs": {"id": mention.jira_id, "text": "@" + mention.display_name},
        }
    name = mention.display_name if mention is not None else user_id
    return _text("@" + name, marks)


def _text(text: str, marks: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = list(marks)
    return node
