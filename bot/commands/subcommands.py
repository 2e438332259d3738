"""What a `/ticket <subcommand>` handler is and gets; the table itself is in `ticket.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond

if TYPE_CHECKING:
    from bot.services import BotServices

HELP_WORDS = frozenset({"help", "?", "-h", "--help"})


@dataclass(frozen=True)
class SubcommandContext:
    """What a subcommand handler gets: the words after its name, who asked, where."""

    name: str
    args: str
    user_id: str
    channel_id: str
    command: dict[str, Any]
    respond: Respond
    services: BotServices


SubcommandHandler = Callable[[SubcommandContext], None]
"""Runs after the ack, in Bolt's lazy thread; answers with `ctx.respond(...)`."""


@dataclass(frozen=True, slots=True)
class Subcommand:
    """`/ticket <name> ...` → `handler`; `usage` and `help` make its line of `/ticket help`."""

    name: str
    handler: SubcommandHandler
    usage: str
    help: str

    def __post_init__(self) -> None:
        if self.name in HELP_WORDS:
            raise ValueError(f"/ticket {self.name} is reserved")
