"""Slash commands. `COMMANDS` is what `manifest.yml` must declare."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.commands import ticket

if TYPE_CHECKING:
    from bot.services import BotServices

COMMANDS = (ticket.COMMAND,)


def register(app: App, services: BotServices) -> None:
    ticket.register(app, services)  # with its subcommands (`ticket.SUBCOMMANDS`)
