"""Slack mrkdwn as plain text, for the boxes of the create-issue flow that take no markup.

`plain` is what a Jira summary gets: markup dropped, mentions and links as their names.
`prettify` prefills the modal's plain-text description box with the message as a person would
type it: *bold* and the like kept, but `<...>` entities and `&amp;` escapes made readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from integrations.slack_text import unescape
from integrations.slack_to_jira.mentions import Mention
from integrations.slack_to_jira.parse import parse_entity, parse_inline
from integrations.slack_to_jira.tree import (
    Broadcast,
    ChannelMention,
    Code,
    Inline,
    Link,
    Styled,
    Text,
    UserMention,
)

_ENTITY = re.compile(r"<([^<>\n]+)>")


def plain(text: str, mentions: Mapping[str, Mention] | None = None) -> str:
    """mrkdwn as plain text (for a Jira summary, which takes no markup)."""
    mentions = mentions or {}
    return "".join(_plain_inline(node, mentions) for node in parse_inline(text))


def prettify(text: str, mentions: Mapping[str, Mention] | None = None) -> str:
    """mrkdwn as a person would type it in a plain-text box (a modal's prefill): mentions as
    `@Name`, links as `label (url)`, entities unescaped; *bold* and the like stay as typed."""
    mentions = mentions or {}

    def readable(match: re.Match[str]) -> str:
        node = parse_entity(match.group(0))
        if isinstance(node, Text):
            return node.text
        if isinstance(node, Link):
            url = node.url.removeprefix("mailto:")
            if node.label and node.label not in (node.url, url):
                return f"{node.label} ({url})"
            return url
        return _name(node, mentions)

    return unescape(_ENTITY.sub(readable, text))


def _plain_inline(node: Inline, mentions: Mapping[str, Mention]) -> str:
    if isinstance(node, Text | Code):
        return node.text
    if isinstance(node, Styled):
        return "".join(_plain_inline(child, mentions) for child in node.children)
    if isinstance(node, Link):
        return node.label or node.url
    return _name(node, mentions)


def _name(node: UserMention | ChannelMention | Broadcast, mentions: Mapping[str, Mention]) -> str:
    """A mention as `@Display Name` (`@U123` when unknown), `#channel`, or `@here`."""
    if isinstance(node, UserMention):
        mention = mentions.get(node.user_id)
        return "@" + (mention.display_name if mention is not None else node.user_id)
    if isinstance(node, ChannelMention):
        return "#" + (node.name or node.channel_id)
    return "@" + node.name
