"""Slack mrkdwn → the tree in `tree`.

Slack message text is *mrkdwn*: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ``` ````
blocks, `>` quotes, `<https://x|label>` links, `<@U123>` user and `<#C123|name>` channel
mentions, `<!here>`, and `&amp; &lt; &gt;` escapes. Lines are grouped into blocks first
(`parse`), then each line is split into inline nodes (`parse_inline`).
"""

from __future__ import annotations

import re

from integrations.slack_text import unescape
from integrations.slack_to_jira.tree import (
    Block,
    Broadcast,
    ChannelMention,
    Code,
    CodeBlock,
    Entity,
    Inline,
    Line,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Styled,
    Text,
    UserMention,
)

_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<entity><[^<>\n]+>)"
    r"|(?P<strong>(?<![\w*])\*(?=\S)[^*\n]+?(?<=\S)\*(?![\w*]))"
    r"|(?P<em>(?<![\w_])_(?=\S)[^_\n]+?(?<=\S)_(?![\w_]))"
    r"|(?P<strike>(?<![\w~])~(?=\S)[^~\n]+?(?<=\S)~(?![\w~]))"
)
_BULLET = re.compile(r"^\s*(?:[•◦▪\-*])\s+(.*)$")
_ORDERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^(?:&gt;|>)\s?(.*)$")
_FENCE = "```"


def parse_entity(raw: str) -> Entity:
    """One `<...>`: a mention, a broadcast, or a link (with its label when it has one)."""
    body = raw[1:-1]
    target, _, label = body.partition("|")
    if target.startswith("@"):
        return UserMention(target[1:])
    if target.startswith("#"):
        return ChannelMention(target[1:], label or None)
    if target.startswith("!"):
        name = target[1:]
        if name.startswith("subteam^"):
            return Text("@" + (label.lstrip("@") if label else "group"))
        if name.startswith("date^"):
            return Text(unescape(label) if label else name)
        return Broadcast(name)
    return Link(unescape(target), unescape(label) if label else None)


def parse_inline(text: str) -> Line:
    """One line of mrkdwn as inline nodes; styles nest (`*bold _and italic_*`)."""
    out: list[Inline] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            out.append(Text(unescape(text[position : match.start()])))
        kind = match.lastgroup
        raw = match.group()
        if kind == "code":
            out.append(Code(unescape(raw[1:-1])))
        elif kind == "entity":
            out.append(parse_entity(raw))
        else:
            out.append(Styled(str(kind), parse_inline(raw[1:-1])))
        position = match.end()
    if position < len(text):
        out.append(Text(unescape(text[position:])))
    return tuple(out)


def parse(text: str) -> tuple[Block, ...]:
    """The block structure of a Slack message."""
    lines = text.replace("\r\n", "\n").split("\n")
    builder = _Builder()
    index = 0
    while index < len(lines):
        if lines[index].strip().startswith(_FENCE):
            builder.flush()
            code, index = _code_block(lines, index)
            builder.blocks.append(code)
        else:
            builder.add(lines[index])
            index += 1
    builder.flush()
    return tuple(builder.blocks)


def _code_block(lines: list[str], start: int) -> tuple[CodeBlock, int]:
    """The fenced block opening at `lines[start]`, and the index of the line after it.

    Text may share a line with either fence (```` ```code``` ````); a fence never closed runs
    to the end of the message.
    """
    rest = lines[start].strip()[len(_FENCE) :]
    if rest.endswith(_FENCE):
        return CodeBlock(unescape(rest[: -len(_FENCE)])), start + 1
    body = [rest] if rest else []
    index = start + 1
    while index < len(lines) and not lines[index].rstrip().endswith(_FENCE):
        body.append(lines[index])
        index += 1
    if index < len(lines):
        last = lines[index].rstrip()[: -len(_FENCE)]
        if last:
            body.append(last)
    return CodeBlock(unescape("\n".join(body))), index + 1


class _Builder:
    """The blocks so far and the one paragraph, quote or list still open: a blank line, or a
    line of another kind (or a list of the other kind), closes it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.paragraph: list[Line] = []
        self.quote: list[Line] = []
        self.items: list[Line] = []
        self.ordered = False

    def flush(self) -> None:
        if self.paragraph:
            self.blocks.append(Paragraph(tuple(self.paragraph)))
        if self.quote:
            self.blocks.append(Quote(tuple(self.quote)))
        if self.items:
            self.blocks.append(ListBlock(self.ordered, tuple(self.items)))
        self.paragraph, self.quote, self.items = [], [], []

    def add(self, line: str) -> None:
        """One line outside a code block."""
        if not line.strip():
            self.flush()
        elif (quoted := _QUOTE.match(line)) is not None:
            if self.paragraph or self.items:
                self.flush()
            self.quote.append(parse_inline(quoted.group(1)))
        elif (item := _BULLET.match(line) or _ORDERED.match(line)) is not None:
            is_ordered = item.re is _ORDERED
            if self.paragraph or self.quote or (self.items and self.ordered != is_ordered):
                self.flush()
            self.ordered = is_ordered
            self.items.append(parse_inline(item.group(1)))
        else:
            if self.quote or self.items:
                self.flush()
            self.paragraph.append(parse_inline(line))
