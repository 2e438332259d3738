"""Modal listeners. (View callback ids are not declared in `manifest.yml`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.views import create_issue

if TYPE_CHECKING:
    from bot.services import BotServices


def register(app: App, services: BotServices) -> None:
    create_issue.register(app, services)
