"""Global and message shortcuts. `MESSAGE_SHORTCUTS` is what `manifest.yml` must declare."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.shortcuts import create_issue

if TYPE_CHECKING:
    from bot.services import BotServices

MESSAGE_SHORTCUTS = (create_issue.CALLBACK_ID,)
GLOBAL_SHORTCUTS: tuple[str, ...] = ()


def register(app: App, services: BotServices) -> None:
    create_issue.register(app, services)
