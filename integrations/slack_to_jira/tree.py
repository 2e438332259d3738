"""The parsed form of a Slack message: blocks of lines, each line a tuple of inline nodes.

`parse` builds it once; `wiki`, `adf` and `plain_text` render it. Nodes hold text already
unescaped (`&amp;` is `&`): each renderer escapes for its own target.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- inline -------------------------------------------------------------------------------


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


Entity = Text | Link | UserMention | ChannelMention | Broadcast
"""What one `<...>` becomes (a user group or a date is shown as its text)."""

Inline = Text | Code | Styled | Link | UserMention | ChannelMention | Broadcast
Line = tuple[Inline, ...]

# --- blocks -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paragraph:
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str


@dataclass(frozen=True, slots=True)
class Quote:
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class ListBlock:
    ordered: bool
    items: tuple[Line, ...]


Block = Paragraph | CodeBlock | Quote | ListBlock
