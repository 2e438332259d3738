"""Events API listeners. `BOT_EVENTS` is what `manifest.yml` must subscribe to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot import functions
from bot.events import home, links, mentions, messages

if TYPE_CHECKING:
    from bot.services import BotServices

BOT_EVENTS = (
    messages.BOT_EVENTS
    + links.BOT_EVENTS
    + mentions.BOT_EVENTS
    + functions.BOT_EVENTS
    + home.BOT_EVENTS
)
"""With the steps' `function_executed` (`bot/functions/`), registered by `app.function`."""


def register(app: App, services: BotServices) -> None:
    messages.register(app, services)
    links.register(app, services)  # GitHub link unfurls
    mentions.register(app, services)  # @connect ticket, @connect help
    home.register(app, services)  # the App Home tab
