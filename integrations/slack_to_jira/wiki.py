"""The tree → Jira wiki markup (what REST API v2 takes for descriptions and comments).

Whatever the user typed must stay text: every character that would open wiki markup is
escaped, so a Slack message cannot inject macros, links, images or mentions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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

# `{ } [ ] |` open macros and links, `!` embeds an image (`!https://host/p.png!`), and
# `+ ^ ~` insert, superscript and subscript: each is escaped with a backslash. A `-` is
# escaped only where it could open `-strike-`: "well-known" and "a - b" stay as typed.
_SPECIAL = re.compile(r"([{}\[\]|!+^~])|(?<![\w-])-(?=[^\s-])")
# A backslash itself is not escaped as `\\`: Jira renders that as a forced line break. The
# numeric entity shows a plain backslash and cannot escape the character after it.
_BACKSLASH = "&#92;"
_LINE_START = re.compile(r"^(\s*)([*#\-]|h[1-6]\.|bq\.)(\s)")
_MARKS = {"strong": "*", "em": "_", "strike": "-"}
# Inside `{noformat}` only `{noformat` itself is markup (it ends the block early): a zero-width
# space after the brace keeps user text from closing the block and going live.
_NOFORMAT = re.compile(r"\{(?=noformat)", re.IGNORECASE)
# Characters that would end `[label|url]` early or open markup inside the link target.
_URL_UNSAFE = {c: f"%{ord(c):02X}" for c in "[]|{}!\\ "}


def wiki_escape(text: str) -> str:
    """Plain text for wiki markup: the characters that would start markup are escaped."""
    text = text.replace("\\", _BACKSLASH)
    return _SPECIAL.sub(lambda match: "\\" + match.group(0), text)


def wiki_url(url: str) -> str:
    """A link target for `[label|url]`: characters that are wiki markup, percent-encoded."""
    return url.translate(str.maketrans(_URL_UNSAFE))


def wiki_noformat(text: str) -> str:
    """A `{noformat}` block around `text` that the text cannot close."""
    return "{noformat}\n" + _NOFORMAT.sub("{\u200b", text) + "\n{noformat}"


def to_wiki(text: str, mentions: Mapping[str, Mention] | None = None) -> str:
    """Slack mrkdwn as Jira wiki markup (what REST API v2 takes for descriptions/comments)."""
    return render_wiki(parse(text), mentions or {})


def render_wiki(blocks: tuple[Block, ...], mentions: Mapping[str, Mention]) -> str:
    rendered: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            rendered.append("\n".join(_line(line, mentions) for line in block.lines))
        elif isinstance(block, CodeBlock):
            rendered.append(wiki_noformat(block.text))
        elif isinstance(block, Quote):
            body = "\n".join(_inline(line, mentions) for line in block.lines)
            rendered.append(
                "bq. " + body if len(block.lines) == 1 else "{quote}\n" + body + "\n{quote}"
            )
        else:
            mark = "#" if block.ordered else "*"
            rendered.append("\n".join(f"{mark} {_inline(item, mentions)}" for item in block.items))
    return "\n\n".join(rendered)


def _line(nodes: Line, mentions: Mapping[str, Mention]) -> str:
    line = _inline(nodes, mentions)
    # A line that merely looks like wiki list/heading syntax must stay text.
    return _LINE_START.sub(r"\1\\\2\3", line)


def _inline(nodes: Line, mentions: Mapping[str, Mention]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(wiki_escape(node.text))
        elif isinstance(node, Code):
            parts.append("{{" + wiki_escape(node.text) + "}}")
        elif isinstance(node, Styled):
            mark = _MARKS[node.style]
            parts.append(mark + _inline(node.children, mentions) + mark)
        elif isinstance(node, Link):
            if node.label and node.label != node.url:
                parts.append(f"[{wiki_escape(node.label)}|{wiki_url(node.url)}]")
            else:
                parts.append(f"[{wiki_url(node.url)}]")
        elif isinstance(node, UserMention):
            parts.append(_user(mentions.get(node.user_id), node.user_id))
        elif isinstance(node, ChannelMention):
            parts.append("#" + wiki_escape(node.name or node.channel_id))
        else:
            parts.append("@" + node.name)
    return "".join(parts)


def _user(mention: Mention | None, user_id: str) -> str:
    if mention is None:
        return "@" + user_id
    if mention.jira_id:
        return f"[~accountid:{mention.jira_id}]" if mention.cloud else f"[~{mention.jira_id}]"
    return "@" + wiki_escape(mention.display_name)
