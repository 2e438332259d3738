"""Events API listeners. `BOT_EVENTS` is what `manifest.yml` must subscribe to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.events import links, messages

if TYPE_CHECKING:
    from bot.services import BotServices

BOT_EVENTS = messages.BOT_EVENTS + links.BOT_EVENTS


def register(app: App, services: BotServices) -> None:
    messages.register(app, services)
    links.register(app, services)  # GitHub link unfurls
