"""Slack mrkdwn → Jira rich text: wiki markup (REST API v2) or Atlassian Document Format (v3).

Slack message text is *mrkdwn*: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ``` ````
blocks, `>` quotes, `<https://x|label>` links, `<@U123>` user and `<#C123|name>` channel
mentions, `<!here>`, and `&amp; &lt; &gt;` escapes. It is parsed once into a small tree
(`parse`) and rendered by `to_wiki` or `to_adf`; both are pure functions.

User mentions are rendered from `mentions` (Slack user id → `Mention`): a Jira mention when
the person's Jira account is known, otherwise `@Display Name`; unknown ids stay `@U123`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# --- the tree -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class Styled:
    style: str  # "strong" | "em" | "strike"
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    label: str | None


@dataclass(frozen=True, slots=True)
class UserMention:
    user_id: str


@dataclass(frozen=True, slots=True)
class ChannelMention:
    channel_id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Broadcast:
    name: str  # here, channel, everyone


Inline = Text | Code | Styled | Link | UserMention | ChannelMention | Broadcast


@dataclass(frozen=True, slots=True)
class Paragraph:
    lines: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str


@dataclass(frozen=True, slots=True)
class Quote:
    lines: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True, slots=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple[Inline, ...], ...]


Block = Paragraph | CodeBlock | Quote | ListBlock


@dataclass(frozen=True, slots=True)
class Mention:
    """How to show a Slack user in Jira: `jira_id` is an accountId (Cloud) or name (Server)."""

    display_name: str
    jira_id: str | None = None
    cloud: bool = True


# --- parsing ------------------------------------------------------------------------------

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


def escape(text: str) -> str:
    """Text typed into a plain-text box, as mrkdwn: Slack escapes exactly these three."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack escapes exactly these three in message text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _entity(raw: str) -> Inline:
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


def parse_inline(text: str) -> tuple[Inline, ...]:
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
            out.append(_entity(raw))
        else:
            out.append(Styled(str(kind), parse_inline(raw[1:-1])))
        position = match.end()
    if position < len(text):
        out.append(Text(unescape(text[position:])))
    return tuple(out)


def parse(text: str) -> tuple[Block, ...]:
    """The block structure of a Slack message."""
    blocks: list[Block] = []
    paragraph: list[tuple[Inline, ...]] = []
    quote: list[tuple[Inline, ...]] = []
    items: list[tuple[Inline, ...]] = []
    ordered = False

    def flush() -> None:
        nonlocal paragraph, quote, items
        if paragraph:
            blocks.append(Paragraph(tuple(paragraph)))
        if quote:
            blocks.append(Quote(tuple(quote)))
        if items:
            blocks.append(ListBlock(ordered, tuple(items)))
        paragraph, quote, items = [], [], []

    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith(_FENCE):
            flush()
            rest = stripped[len(_FENCE) :]
            if rest.endswith(_FENCE) and len(rest) >= len(_FENCE):
                blocks.append(CodeBlock(unescape(rest[: -len(_FENCE)])))
                index += 1
                continue
            body = [rest] if rest else []
            index += 1
            while index < len(lines) and not lines[index].rstrip().endswith(_FENCE):
                body.append(lines[index])
                index += 1
            if index < len(lines):
                last = lines[index].rstrip()[: -len(_FENCE)]
                if last:
                    body.append(last)
            blocks.append(CodeBlock(unescape("\n".join(body))))
            index += 1
            continue
        if not stripped:
            flush()
        elif (quoted := _QUOTE.match(line)) is not None:
            if paragraph or items:
                flush()
            quote.append(parse_inline(quoted.group(1)))
        elif (item := _BULLET.match(line) or _ORDERED.match(line)) is not None:
            is_ordered = item.re is _ORDERED
            if paragraph or quote or (items and ordered != is_ordered):
                flush()
            ordered = is_ordered
            items.append(parse_inline(item.group(1)))
        else:
            if quote or items:
                flush()
            paragraph.append(parse_inline(line))
        index += 1
    flush()
    return tuple(blocks)


# --- Jira wiki markup (REST API v2) -------------------------------------------------------

# `{ } [ ] |` open macros and links, `!` embeds an image (`!https://host/p.png!`), and
# `+ ^ ~` insert, superscript and subscript: each is escaped with a backslash. A `-` is
# escaped only where it could open `-strike-`: "well-known" and "a - b" stay as typed.
_WIKI_SPECIAL = re.compile(r"([{}\[\]|!+^~])|(?<![\w-])-(?=[^\s-])")
# A backslash itself is not escaped as `\\`: Jira renders that as a forced line break. The
# numeric entity shows a plain backslash and cannot escape the character after it.
_WIKI_BACKSLASH = "&#92;"
_WIKI_LINE_START = re.compile(r"^(\s*)([*#\-]|h[1-6]\.|bq\.)(\s)")
_WIKI_MARKS = {"strong": "*", "em": "_", "strike": "-"}
# Inside `{noformat}` only `{noformat` itself is markup (it ends the block early): a zero-width
# space after the brace keeps user text from closing the block and going live.
_NOFORMAT = re.compile(r"\{(?=noformat)", re.IGNORECASE)
# Characters that would end `[label|url]` early or open markup inside the link target.
_WIKI_URL_UNSAFE = {c: f"%{ord(c):02X}" for c in "[]|{}!\\ "}


def wiki_escape(text: str) -> str:
    """Plain text for wiki markup: the characters that would start markup are escaped."""
    text = text.replace("\\", _WIKI_BACKSLASH)
    return _WIKI_SPECIAL.sub(lambda match: "\\" + match.group(0), text)


def wiki_url(url: str) -> str:
    """A link target for `[label|url]`: characters that are wiki markup, percent-encoded."""
    return url.translate(str.maketrans(_WIKI_URL_UNSAFE))


def wiki_noformat(text: str) -> str:
    """A `{noformat}` block around `text` that the text cannot close."""
    return "{noformat}\n" + _NOFORMAT.sub("{\u200b", text) + "\n{noformat}"


def _wiki_user(mention: Mention | None, user_id: str) -> str:
    if mention is None:
        return "@" + user_id
    if mention.jira_id:
        return f"[~accountid:{mention.jira_id}]" if mention.cloud else f"[~{mention.jira_id}]"
    return "@" + wiki_escape(mention.display_name)


def _wiki_inline(nodes: tuple[Inline, ...], mentions: Mapping[str, Mention]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(wiki_escape(node.text))
        elif isinstance(node, Code):
            parts.append("{{" + wiki_escape(node.text) + "}}")
        elif isinstance(node, Styled):
            mark = _WIKI_MARKS[node.style]
            parts.append(mark + _wiki_inline(node.children, mentions) + mark)
        elif isinstance(node, Link):
            if node.label and node.label != node.url:
                parts.append(f"[{wiki_escape(node.label)}|{wiki_url(node.url)}]")
            else:
                parts.append(f"[{wiki_url(node.url)}]")
        elif isinstance(node, UserMention):
            parts.append(_wiki_user(mentions.get(node.user_id), node.user_id))
        elif isinstance(node, ChannelMention):
            parts.append("#" + wiki_escape(node.name or node.channel_id))
        else:
            parts.append("@" + node.name)
    return "".join(parts)


def _wiki_line(nodes: tuple[Inline, ...], mentions: Mapping[str, Mention]) -> str:
    line = _wiki_inline(nodes, mentions)
    # A line that merely looks like wiki list/heading syntax must stay text.
    return _WIKI_LINE_START.sub(r"\1\\\2\3", line)


def to_wiki(text: str, mentions: Mapping[str, Mention] | None = None) -> str:
    """Slack mrkdwn as Jira wiki markup (what REST API v2 takes for descriptions/comments)."""
    return render_wiki(parse(text), mentions or {})


def render_wiki(blocks: tuple[Block, ...], mentions: Mapping[str, Mention]) -> str:
    rendered: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            rendered.append("\n".join(_wiki_line(line, mentions) for line in block.lines))
        elif isinstance(block, CodeBlock):
            rendered.append(wiki_noformat(block.text))
        elif isinstance(block, Quote):
            body = "\n".join(_wiki_inline(line, mentions) for line in block.lines)
            rendered.append(
                "bq. " + body if len(block.lines) == 1 else "{quote}\n" + body + "\n{quote}"
            )
        else:
            mark = "#" if block.ordered else "*"
            rendered.append(
                "\n".join(f"{mark} {_wiki_inline(item, mentions)}" for item in block.items)
            )
    return "\n\n".join(rendered)


# --- Atlassian Document Format (REST API v3) ----------------------------------------------

_ADF_MARKS = {"strong": "strong", "em": "em", "strike": "strike"}


def _adf_text(text: str, marks: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = list(marks)
    return node


def _adf_inline(
    nodes: tuple[Inline, ...], mentions: Mapping[str, Mention], marks: tuple[dict, ...] = ()
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        if isinstance(node, Text):
            if node.text:
                out.append(_adf_text(node.text, marks))
        elif isinstance(node, Code):
            # ADF allows only `link` next to `code`.
            links = tuple(m for m in marks if m["type"] == "link")
            out.append(_adf_text(node.text, ({"type": "code"}, *links)))
        elif isinstance(node, Styled):
            mark = {"type": _ADF_MARKS[node.style]}
            out += _adf_inline(node.children, mentions, (*marks, mark))
        elif isinstance(node, Link):
            link = {"type": "link", "attrs": {"href": node.url}}
            out.append(_adf_text(node.label or node.url, (*marks, link)))
        elif isinstance(node, UserMention):
            mention = mentions.get(node.user_id)
            if mention is not None and mention.jira_id:
                out.append(
                    {
                        "type": "mention",
                        "attrs": {"id": mention.jira_id, "text": "@" + mention.display_name},
                    }
                )
            else:
                name = mention.display_name if mention is not None else node.user_id
                out.append(_adf_text("@" + name, marks))
        elif isinstance(node, ChannelMention):
            out.append(_adf_text("#" + (node.name or node.channel_id), marks))
        else:
            out.append(_adf_text("@" + node.name, marks))
    return out


def _adf_lines(
    lines: tuple[tuple[Inline, ...], ...], mentions: Mapping[str, Mention]
) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    for number, line in enumerate(lines):
        if number:
            content.append({"type": "hardBreak"})
        content += _adf_inline(line, mentions)
    return content


def _adf_paragraph(content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "paragraph", "content": content} if content else {"type": "paragraph"}


def render_adf(blocks: tuple[Block, ...], mentions: Mapping[str, Mention]) -> list[dict[str, Any]]:
    """ADF block nodes (to combine with other nodes in one document)."""
    content: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            content.append(_adf_paragraph(_adf_lines(block.lines, mentions)))
        elif isinstance(block, CodeBlock):
            code: dict[str, Any] = {"type": "codeBlock"}
            if block.text:
                code["content"] = [{"type": "text", "text": block.text}]
            content.append(code)
        elif isinstance(block, Quote):
            content.append(
                {
                    "type": "blockquote",
                    "content": [_adf_paragraph(_adf_lines(block.lines, mentions))],
                }
            )
        else:
            content.append(
                {
                    "type": "orderedList" if block.ordered else "bulletList",
                    "content": [
                        {
                            "type": "listItem",
                            "content": [_adf_paragraph(_adf_inline(item, mentions))],
                        }
                        for item in block.items
                    ],
                }
            )
    return content


def to_adf(text: str, mentions: Mapping[str, Mention] | None = None) -> dict[str, Any]:
    """Slack mrkdwn as an ADF document (what REST API v3 takes for descriptions/comments)."""
    return {"type": "doc", "version": 1, "content": render_adf(parse(text), mentions or {})}


def mentioned_users(text: str) -> list[str]:
    """The Slack user ids `<@U123>` mentioned in `text`, in order, without repeats."""
    return list(dict.fromkeys(re.findall(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", text)))


def plain(text: str, mentions: Mapping[str, Mention] | None = None) -> str:
    """mrkdwn as plain text (for a Jira summary, which takes no markup)."""
    mentions = mentions or {}
    return "".join(_plain_inline(node, mentions) for node in parse_inline(text))


def _plain_inline(node: Inline, mentions: Mapping[str, Mention]) -> str:
    if isinstance(node, Text | Code):
        return node.text
    if isinstance(node, Styled):
        return "".join(_plain_inline(child, mentions) for child in node.children)
    if isinstance(node, Link):
        return node.label or node.url
    if isinstance(node, UserMention):
        mention = mentions.get(node.user_id)
        return "@" + (mention.display_name if mention is not None else node.user_id)
    if isinstance(node, ChannelMention):
        return "#" + (node.name or node.channel_id)
    return "@" + node.name


_ENTITY = re.compile(r"<([^<>\n]+)>")


def prettify(text: str, mentions: Mapping[str, Mention] | None = None) -> str:
    """mrkdwn as a person would type it in a plain-text box (a modal's prefill): mentions as
    `@Name`, links as `label (url)`, entities unescaped; *bold* and the like stay as typed."""
    mentions = mentions or {}

    def readable(match: re.Match[str]) -> str:
        node = _entity(match.group(0))
        if isinstance(node, UserMention):
            mention = mentions.get(node.user_id)
            return "@" + (mention.display_name if mention is not None else node.user_id)
        if isinstance(node, ChannelMention):
            return "#" + (node.name or node.channel_id)
        if isinstance(node, Broadcast):
            return "@" + node.name
        if isinstance(node, Link):
            url = node.url.removeprefix("mailto:")
            if node.label and node.label not in (node.url, url):
                return f"{node.label} ({url})"
            return url
        if isinstance(node, Text):
            return node.text
        return match.group(0)

    return unescape(_ENTITY.sub(readable, text))
