"""The App Home's own elements: the notification checkboxes and an admin's *Retry*.

Each acks at once; the change and the Home published again (with a line saying what was
done, or why nothing was) happen lazily. *Retry* checks again, on the click, that the person
is an admin (`CONNECT_ADMINS`): the button alone proves nothing. The Jira issues' buttons on
the Home are the card's (`bot/actions/jira_card.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field
from slack_bolt import Ack, App

from bot.errors import lazy_guard
from bot.payloads import Id, Option, Payload, Ref, read
from integrations.home.view import NOTIFY, RETRY

if TYPE_CHECKING:
    from bot.services import BotServices


class Ticked(Payload):
    action_id: Id
    selected_options: list[Option] = []


class NotifyClick(Payload):
    user: Ref
    actions: Annotated[list[Ticked], Field(min_length=1)]


class Pressed(Payload):
    action_id: Id
    value: Annotated[str, Field(pattern=r"^[0-9]{1,18}$")]


class RetryClick(Payload):
    user: Ref
    actions: Annotated[list[Pressed], Field(min_length=1)]


def register(app: App, services: BotServices) -> None:
    home = services.container.home

    def ack_notify(ack: Ack, body: dict[str, Any]) -> None:
        read(NotifyClick, body)
        ack()

    @lazy_guard
    def set_notifications(body: dict[str, Any]) -> None:
        click = read(NotifyClick, body)
        ticked = {o.value for o in click.actions[0].selected_options if o.value}
        done = home.set_notifications(click.user.id, ticked)
        home.publish(click.user.id, done)

    def ack_retry(ack: Ack, body: dict[str, Any]) -> None:
        read(RetryClick, body)
        ack()

    @lazy_guard
    def retry(body: dict[str, Any]) -> None:
        click = read(RetryClick, body)
        outcome = home.retry(click.user.id, int(click.actions[0].value))
        home.publish(click.user.id, outcome.text)

    app.action(NOTIFY)(ack=ack_notify, lazy=[set_notifications])
    app.action(RETRY)(ack=ack_retry, lazy=[retry])
