"""`app_home_opened`: the person's App Home is drawn again each time they open it.

Acked at once; the work (two Jira searches with the short timeout, local reads) is lazy, and
`integrations.home.HomeService` publishes the view. The Messages tab needs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.errors import lazy_guard
from bot.payloads import Id, Payload, read

if TYPE_CHECKING:
    from bot.services import BotServices

BOT_EVENTS = ("app_home_opened",)


class HomeOpened(Payload):
    user: Id
    tab: str = "home"


def register(app: App, services: BotServices) -> None:
    home = services.container.home

    def ack_opened(ack: Ack, event: dict[str, Any]) -> None:
        read(HomeOpened, event)
        ack()

    @lazy_guard
    def publish(event: dict[str, Any]) -> None:
        opened = read(HomeOpened, event)
        if opened.tab == "home":
            home.publish(opened.user)

    app.event("app_home_opened")(ack=ack_opened, lazy=[publish])
