"""Jira text → Slack mrkdwn: wiki markup (REST v2, Server/DC) and Atlassian Document Format.

Wiki markup is converted line by line with a handful of regular expressions, as Zulip's Jira
integration does: headings, quotes, lists, tables, `{code}`/`{noformat}` blocks, `{{mono}}`,
`-strike-`, `+under+`, colours, links, images and mentions. (`jira2markdown` + a Markdown →
mrkdwn step was tried first: correct, but 5 to 80 ms of pyparsing per comment, which a delivery
worker cannot afford in a burst.) `&`, `<`, `>` are escaped as Slack requires, leaving the
`<url|text>` links and mentions produced here intact. ADF (REST v3 and newer Cloud payloads)
is a JSON tree, walked directly.

Every URL a Jira user wrote (wiki links, ADF `link` marks and cards) goes through
`integrations.slack_text.link`, the sanitiser GitHub text uses too: a URL like
`https://x/><!channel>` must not close the link and broadcast, so `<`, `>`, `|` are
percent-encoded, and only `http(s)`/`mailto` become links at all. Labels and emoji names are
escaped like any text.

Mentions (`[~accountid:5b10…]`, `[~jsmith]`, ADF `mention` nodes) are replaced by what the
caller resolved them to (`mentions`: Jira account id or user name → mrkdwn, e.g. `<@U0123>` or
`@Jane Doe`); an unresolved one shows as `@` + the name, or `@someone` for a bare account id.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from integrations.slack_text import escape as slack_escape
from integrations.slack_text import link as slack_link
from integrations.slack_text import safe_url

__all__ = [
    "adf_to_mrkdwn",
    "mention_text",
    "mentioned_refs",
    "slack_escape",
    "to_mrkdwn",
    "wiki_to_mrkdwn",
]

WIKI_MENTION = re.compile(r"\[~(accountid:)?([^\]\s][^\]]*)\]")
_HEADING = re.compile(r"^\s*h[1-6]\.\s+(.*)$")
_QUOTE_LINE = re.compile(r"^\s*bq\.\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*([*#-]+)\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|\|?(.*?)\|?\|?\s*$")
_RULE = re.compile(r"^\s*-{4,}\s*$")
_BLOCK_START = re.compile(r"^\s*\{(code|noformat)(?::[^}]*)?\}(.*)$")
_QUOTE_TOGGLE = re.compile(r"\{quote\}")
_MONO = re.compile(r"\{\{(.+?)\}\}")
_LINK = re.compile(r"\[([^\[\]|]*)\|\s*((?:https?://|mailto:)[^\]\s]+)\s*\]")
_BARE_LINK = re.compile(r"\[\s*((?:https?://|mailto:)[^\]\s|]+)\s*\]")
_IMAGE = re.compile(r"!([^!\s|][^!|]*?)(?:\|[^!]*)?!")
_COLOR = re.compile(r"\{color(?::[^}]*)?\}")
_STRIKE = re.compile(r"(?<![\w-])-(?=\S)([^-\n]+?)(?<=\S)-(?![\w-])")
_UNDER = re.compile(r"(?<![\w+])\+(?=\S)([^+\n]+?)(?<=\S)\+(?![\w+])")
_SUPSUB = re.compile(r"(?<![\w^~])([\^~])(?=\S)([^\^~\n]+?)(?<=\S)\1(?![\w^~])")
_CITE = re.compile(r"\?\?(?=\S)(.+?)(?<=\S)\?\?")
_ESCAPED = re.compile(r"\\([*_\-+{}\[\]!|^~?#\\])")
_PLACEHOLDER = "\x00{}\x00"
_HELD = re.compile("\x00(\\d+)\x00")


def mention_text(ref: str, mentions: Mapping[str, str], *, account_id: bool) -> str:
    found = mentions.get(ref)
    if found:
        return found
    return "@someone" if account_id else "@" + slack_escape(ref)


def mentioned_refs(body: str | Mapping[str, Any] | None) -> set[str]:
    """The account ids / user names a comment body mentions (wiki `[~…]` or ADF nodes)."""
    if isinstance(body, str):
        return {m.group(2) for m in WIKI_MENTION.finditer(body)}
    found: set[str] = set()
    stack = [body] if isinstance(body, Mapping) else []
    while stack:
        node = stack.pop()
        if node.get("type") == "mention" and _attrs(node).get("id"):
            found.add(str(_attrs(node)["id"]))
        stack.extend(_children(node))
    return found


def to_mrkdwn(body: str | Mapping[str, Any] | None, mentions: Mapping[str, str]) -> str:
    """Render a Jira text field (wiki markup string or ADF document) as Slack mrkdwn."""
    if body is None:
        return ""
    if isinstance(body, Mapping):
        return adf_to_mrkdwn(body, mentions)
    return wiki_to_mrkdwn(body, mentions)


def wiki_to_mrkdwn(text: str, mentions: Mapping[str, str]) -> str:
    out: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    counters: dict[int, int] = {}
    in_block: str | None = None
    quoting = False
    for line in lines:
        if in_block is not None:
            end = line.find("{" + in_block + "}")
            if end < 0:
                out.append(slack_escape(line))
                continue
            if line[:end].strip():
                out.append(slack_escape(line[:end]))
            out.append("```")
            line = line[end + len(in_block) + 2 :]
            in_block = None
            if not line.strip():
                continue
        block = _BLOCK_START.match(line)
        if block is not None:
            kind, rest = str(block.group(1)), block.group(2)
            in_block = kind
            closing = "{" + kind + "}"
            if closing in rest:  # a one-line block
                out.append("```\n" + slack_escape(rest.split(closing, 1)[0]) + "\n```")
                in_block = None
            else:
                out.append("```")
                if rest.strip():
                    out.append(slack_escape(rest))
            continue
        if _QUOTE_TOGGLE.search(line):
            parts = _QUOTE_TOGGLE.split(line)
            for index, part in enumerate(parts):
                if index:
                    quoting = not quoting
                if part.strip():
                    out.append(
                        ("> " if quoting or index % 2 == 1 else "") + _wiki_inline(part, mentions)
                    )
            continue
        rendered = _line(line, mentions, counters)
        out.append(("> " + rendered) if quoting and rendered else rendered)
    if in_block is not None:
        out.append("```")
    return "\n".join(out).strip()


def _line(line: str, mentions: Mapping[str, str], counters: dict[int, int]) -> str:
    if _RULE.match(line):
        counters.clear()
        return "———"
    item = _LIST_ITEM.match(line)
    if item is not None and not (item.group(1) == "-" and item.group(2).startswith("-")):
        markers = item.group(1)
        depth = len(markers)
        for deeper in [d for d in counters if d > depth]:
            del counters[deeper]
        indent = "   " * (depth - 1)
        if markers.endswith("#"):
            counters[depth] = counters.get(depth, 0) + 1
            return f"{indent}{counters[depth]}. {_wiki_inline(item.group(2), mentions)}"
        counters.pop(depth, None)
        return f"{indent}• {_wiki_inline(item.group(2), mentions)}"
    counters.clear()
    heading = _HEADING.match(line)
    if heading is not None:
        text = _wiki_inline(heading.group(1), mentions)
        return f"*{text}*" if text else ""
    quote = _QUOTE_LINE.match(line)
    if quote is not None:
        return "> " + _wiki_inline(quote.group(1), mentions)
    if line.lstrip().startswith("|"):
        row = _TABLE_ROW.match(line)
        if row is not None:
            header = line.lstrip().startswith("||")
            cells = [c.strip() for c in re.split(r"\|\|?", row.group(1))]
            rendered = [_wiki_inline(c, mentions) for c in cells]
            if header:
                rendered = [f"*{c}*" if c else c for c in rendered]
            return " | ".join(rendered)
    return _wiki_inline(line, mentions)


def _wiki_inline(text: str, mentions: Mapping[str, str]) -> str:
    """Inline markup of one line; links, mentions and code are held out of the escaping."""
    held: list[str] = []

    def hold(rendered: str) -> str:
        held.append(rendered)
        return _PLACEHOLDER.format(len(held) - 1)

    text = text.replace("\\\\", "\n")  # `\\` is a forced line break
    text = _ESCAPED.sub(lambda m: hold(slack_escape(m.group(1))), text)
    text = _MONO.sub(lambda m: hold(f"`{slack_escape(m.group(1))}`"), text)
    text = WIKI_MENTION.sub(
        lambda m: hold(mention_text(m.group(2), mentions, account_id=bool(m.group(1)))), text
    )
    text = _LINK.sub(lambda m: _held_link(m, hold, url=2, label=1), text)
    text = _BARE_LINK.sub(lambda m: _held_link(m, hold, url=1), text)
    text = _IMAGE.sub(lambda m: hold(f"(image: {slack_escape(m.group(1).strip())})"), text)
    text = _COLOR.sub("", text)
    text = slack_escape(text)
    text = _SUPSUB.sub(r"\2", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _UNDER.sub(r"\1", text)
    text = _CITE.sub(r"_\1_", text)
    while _HELD.search(text):
        text = _HELD.sub(lambda m: held[int(m.group(1))], text)
    return text


def _held_link(
    match: re.Match[str], hold: Callable[[str], str], *, url: int, label: int | None = None
) -> str:
    """A wiki link, sanitised and held out of the escaping.

    A URL with held markup inside (`[x|https://a/{{b}}]`) is left as text to be escaped: the
    held part is already rendered mrkdwn and does not belong in a URL.
    """
    target = match.group(url)
    if _HELD.search(target):
        return match.group(0)
    return hold(slack_link(target, match.group(label).strip() if label else None))


# Atlassian Document Format ---------------------------------------------------------------

_MARKS = {"strong": "*", "em": "_", "strike": "~", "code": "`"}


def adf_to_mrkdwn(document: Mapping[str, Any], mentions: Mapping[str, str]) -> str:
    blocks = [_block(node, mentions, depth=0) for node in _children(document)]
    return "\n\n".join(b for b in blocks if b).strip()


def _children(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = node.get("content")
    return [c for c in content if isinstance(c, Mapping)] if isinstance(content, list) else []


def _attrs(node: Mapping[str, Any]) -> Mapping[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, Mapping) else {}


def _block(node: Mapping[str, Any], mentions: Mapping[str, str], depth: int) -> str:
    kind = node.get("type")
    if kind in ("paragraph", "heading"):
        text = _inline(node, mentions)
        return f"*{text}*" if kind == "heading" and text else text
    if kind in ("bulletList", "orderedList"):
        lines = []
        for number, item in enumerate(_children(node), start=1):
            bullet = f"{number}." if kind == "orderedList" else "•"
            parts = [_block(child, mentions, depth + 1) for child in _children(item)]
            body = "\n".join(p for p in parts if p)
            lines.append("   " * depth + f"{bullet} {body}")
        return "\n".join(lines)
    if kind == "codeBlock":
        code = "".join(str(c.get("text", "")) for c in _children(node))
        return f"```\n{slack_escape(code)}\n```"
    if kind == "blockquote":
        inner = "\n".join(_block(c, mentions, depth) for c in _children(node))
        return "\n".join("> " + line for line in inner.splitlines())
    if kind == "rule":
        return "———"
    if kind in ("mediaSingle", "mediaGroup"):
        return "(attachment)"
    if kind in ("table", "tableRow", "tableHeader", "tableCell", "panel", "expand"):
        separator = " | " if kind == "tableRow" else "\n"
        parts = [_block(c, mentions, depth) for c in _children(node)]
        return separator.join(p for p in parts if p)
    return _inline(node, mentions)


def _inline(node: Mapping[str, Any], mentions: Mapping[str, str]) -> str:
    out: list[str] = []
    for child in _children(node):
        kind = child.get("type")
        attrs = _attrs(child)
        if kind == "text":
            out.append(_marked(str(child.get("text", "")), child.get("marks")))
        elif kind == "hardBreak":
            out.append("\n")
        elif kind == "mention":
            ref = str(attrs.get("id") or "")
            name = str(attrs.get("text") or "").lstrip("@")
            resolved = mentions.get(ref)
            out.append(resolved or ("@" + slack_escape(name) if name else "@someone"))
        elif kind == "emoji":
            out.append(slack_escape(str(attrs.get("shortName") or attrs.get("text") or "")))
        elif kind in ("inlineCard", "blockCard"):
            url = str(attrs.get("url") or "")
            out.append(slack_link(url) if url.strip() else "")
        elif kind == "status":
            out.append(f"`{slack_escape(str(attrs.get('text') or ''))}`")
        else:
            out.append(_inline(child, mentions))
    return "".join(out)


def _marked(text: str, marks: Any) -> str:
    if not isinstance(marks, list) or not text.strip():
        return slack_escape(text)
    # Slack only formats `*bold*` when the markers touch the words.
    core = text.strip()
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    rendered = slack_escape(core)
    link = None
    for mark in marks:
        if not isinstance(mark, Mapping):
            continue
        kind = mark.get("type")
        if kind in _MARKS:
            symbol = _MARKS[kind]
            rendered = f"{symbol}{rendered}{symbol}"
        elif kind == "link":
            link = safe_url(str(_attrs(mark).get("href") or ""))  # None: not a link
    rendered = f"<{link}|{rendered}>" if link else rendered  # the label is escaped already
    return f"{lead}{rendered}{trail}"
