"""Slack mrkdwn → GitHub Markdown, for comments made from Slack. Pure.

The message is parsed once (`integrations.slack_to_jira.parse`, the tree Jira's renderers
use too) and written as GitHub Flavored Markdown: `*bold*` → `**bold**`, `_em_` → `_em_`,
`~strike~` → `~~strike~~`, code spans and blocks fenced so their content cannot close them,
`>` quotes, lists, `<url|label>` → `[label](url)` (web and mail links only: any other
scheme is shown as text).

What the user typed stays text: characters that would open Markdown or HTML (`\\ * _ ` [ ] <
> ~ |`, `#`, `>` and list markers at the start of a line) are backslash-escaped. Slack user
mentions become `@login` when the person's GitHub login is known (`logins`), else their
name without `@` (a bare `@name` would notify whoever owns that login); `@here`-style
broadcasts are shown as code, so they notify nobody.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from integrations.slack_text import LINK_SCHEMES
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

_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])(?=\s|$)")
_MARKS = {"strong": "**", "em": "_", "strike": "~~"}
_URL_UNSAFE = {c: f"%{ord(c):02X}" for c in "()<> "}


def md_escape(text: str) -> str:
    """Plain text for GitHub Markdown: what would start markup or HTML, escaped."""
    return _SPECIAL.sub(r"\\\1", _ENTITY.sub("&amp;", text))


def code_span(text: str) -> str:
    """`text` as inline code, with a fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def code_block(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def to_markdown(text: str, logins: Mapping[str, str], names: Mapping[str, str]) -> str:
    """Slack mrkdwn as GitHub Markdown. `logins`: Slack user id → GitHub login of the people
    a message mentions, where known; `names`: Slack user id → display name."""
    return render(parse(text), logins, names)


def render(blocks: tuple[Block, ...], logins: Mapping[str, str], names: Mapping[str, str]) -> str:
    rendered: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines = [_line(line, logins, names) for line in block.lines]
            rendered.append("\n".join(lines))
        elif isinstance(block, CodeBlock):
            rendered.append(code_block(block.text))
        elif isinstance(block, Quote):
            rendered.append("\n".join("> " + _inline(line, logins, names) for line in block.lines))
        else:
            items = [_inline(item, logins, names) for item in block.items]
            rendered.append(
                "\n".join(
                    f"{f'{n}.' if block.ordered else '-'} {item}"
                    for n, item in enumerate(items, start=1)
                )
            )
    return "\n\n".join(rendered)


def _line(nodes: Line, logins: Mapping[str, str], names: Mapping[str, str]) -> str:
    # A line that merely looks like a heading, quote or list must stay text.
    return _LINE_START.sub(lambda m: m[1] + "\\" + m[2], _inline(nodes, logins, names))


def _inline(nodes: Line, logins: Mapping[str, str], names: Mapping[str, str]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(md_escape(node.text))
        elif isinstance(node, Code):
            parts.append(code_span(node.text))
        elif isinstance(node, Styled):
            mark = _MARKS[node.style]
            parts.append(mark + _inline(node.children, logins, names) + mark)
        elif isinstance(node, Link):
            label = node.label if node.label and node.label != node.url else None
            if not node.url.lower().startswith(LINK_SCHEMES):  # javascript:, slack://, ...
                parts.append(md_escape(label or node.url))
                continue
            url = node.url.translate(str.maketrans(_URL_UNSAFE))
            parts.append(f"[{md_escape(label)}]({url})" if label else f"<{url}>")
        elif isinstance(node, UserMention):
            login = logins.get(node.user_id)
            parts.append("@" + login if login else md_escape(names.get(node.user_id, "someone")))
        elif isinstance(node, ChannelMention):
            parts.append("#" + md_escape(node.name or node.channel_id))
        else:
            parts.append(code_span("@" + node.name))
    return "".join(parts)


VIA_SLACK = " via Slack: "
"""What follows the author's name at the start of a comment made from Slack."""
_MADE_FROM_SLACK = re.compile(
    r"\A\*\*[^\n]+\*\* via Slack:.*\[View in Slack\]\(https://[^)\s]+/archives/", re.DOTALL
)


def made_from_slack(body: str) -> bool:
    """Whether a comment reads as one `slack_comment` wrote (name, `via Slack:`, permalink)."""
    return _MADE_FROM_SLACK.match(body) is not None


def slack_comment(
    author: str,
    text: str,
    permalink: str | None,
    *,
    logins: Mapping[str, str],
    names: Mapping[str, str],
) -> str:
    """A Slack message as a GitHub comment: `**Ada Lovelace** via Slack: …` and its permalink."""
    blocks = parse(text)
    head = f"**{md_escape(author)}**{VIA_SLACK.rstrip()}"
    body = render(blocks, logins, names)
    joined = f"{head} {body}" if blocks and isinstance(blocks[0], Paragraph) else head
    if blocks and not isinstance(blocks[0], Paragraph):
        joined += "\n\n" + body
    return joined + (f"\n\n[View in Slack]({permalink})" if permalink else "")
