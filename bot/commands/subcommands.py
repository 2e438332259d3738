"""What a `/ticket <subcommand>` handler is and gets; the table itself is in `ticket.py`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond

from integrations.messages import SlackMessage
from integrations.slack.errors import SlackFailure

if TYPE_CHECKING:
    from bot.services import BotServices

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "?", "-h", "--help"})


@dataclass(frozen=True)
class SubcommandContext:
    """What a subcommand handler gets: the words after its name, who asked, where."""

    name: str
    args: str
    user_id: str
    channel_id: str
    response_url: str | None
    command: dict[str, Any]
    respond: Respond
    services: BotServices

    def reply(self, text: str, *, in_channel: bool = False) -> None:
        """Answer through the command's response URL. Without one (Bolt's `respond` then
        raises), post an `in_channel` answer to the channel, and show anything else (or an
        answer the channel refused) to the person alone: ephemeral, else by DM."""
        if self.response_url:
            self.respond(text=text, response_type="in_channel" if in_channel else "ephemeral")
            return
        slack = self.services.container.slack
        message = SlackMessage(text=text)
        if in_channel:
            try:
                slack.post(self.channel_id, message)
                return
            except SlackFailure as error:
                log.info(
                    "ticket.reply_in_channel_failed channel=%s error=%s",
                    self.channel_id,
                    error.code,
                )
        slack.tell_user(self.user_id, self.channel_id, message)


SubcommandHandler = Callable[[SubcommandContext], None]
"""Runs after the ack, in Bolt's lazy thread; answers with `ctx.reply(...)`."""


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
