"""The buttons of GitHub cards: *Comment* (opens a modal), *Close*, *Reopen*.

Thin: each listener acks at once and hands the work to `integrations.github.card_actions`
in a lazy half (GitHub is asked who the person is there); what the person must hear (why
not, or what failed) comes back ephemerally, through the click's response URL or in the
channel.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import Field
from slack_bolt import Ack, App

from bot.errors import lazy_guard
from bot.payloads import Id, InvalidPayload, Payload, Ref, Url, ViewState, read
from integrations.github.card_buttons import (
    ACTS,
    CLOSE,
    COMMENT,
    MODAL,
    MODAL_INPUT,
    REOPEN,
    Item,
    comment_modal,
)
from integrations.messages import SlackMessage

if TYPE_CHECKING:
    from bot.services import BotServices


class ButtonAction(Payload):
    action_id: Id
    value: str = ""


class CardMessage(Payload):
    ts: Id


class CardClick(Payload):
    """A `block_actions` payload of a button on a card the app posted."""

    user: Ref
    channel: Ref
    message: CardMessage
    actions: list[ButtonAction] = Field(min_length=1)
    trigger_id: str = ""
    response_url: Url | None = None


class CommentView(Payload):
    private_metadata: str = ""
    state: ViewState = ViewState()


class CommentSubmission(Payload):
    user: Ref
    view: CommentView


def _item(value: str) -> Item:
    item = Item.parse(value)
    if item is None:
        raise InvalidPayload("ButtonAction", ["value"])
    return item


def register(app: App, services: BotServices) -> None:
    container = services.container
    cards = container.github_cards

    def ack_click(ack: Ack, body: dict[str, Any]) -> None:
        click = read(CardClick, body)
        _item(click.actions[0].value)
        ack()

    def tell(click: CardClick, message: SlackMessage) -> None:
        container.slack.tell_user(
            click.user.id, click.channel.id, message, response_url=click.response_url
        )

    @lazy_guard
    def open_comment(body: dict[str, Any]) -> None:
        click = read(CardClick, body)
        item = _item(click.actions[0].value)
        allowed = cards.authorize(click.user.id, "comment", item)
        if isinstance(allowed, SlackMessage):
            tell(click, allowed)
            return
        metadata = json.dumps(
            {"item": str(item), "channel": click.channel.id, "thread_ts": click.message.ts}
        )
        container.slack.call(
            container.slack.client.views_open,
            trigger_id=click.trigger_id,
            view=comment_modal(item, metadata),
        )

    @lazy_guard
    def change_state(body: dict[str, Any]) -> None:
        click = read(CardClick, body)
        action = click.actions[0]
        act = ACTS[action.action_id]
        refused = cards.set_state(
            click.user.id, act, _item(action.value), click.channel.id, click.message.ts
        )
        if refused is not None:
            tell(click, refused)

    def ack_submission(ack: Ack, body: dict[str, Any]) -> None:
        submission = read(CommentSubmission, body)
        text = _text(submission)
        if not text.strip():
            ack(response_action="errors", errors={MODAL_INPUT: "Write a comment first."})
            return
        ack()

    @lazy_guard
    def submit_comment(body: dict[str, Any]) -> None:
        submission = read(CommentSubmission, body)
        where = json.loads(submission.view.private_metadata or "{}")
        item = _item(str(where.get("item", "")))
        channel, thread_ts = str(where["channel"]), str(where["thread_ts"])
        refused = cards.comment(submission.user.id, item, _text(submission), channel, thread_ts)
        if refused is not None:
            container.slack.tell_user(submission.user.id, channel, refused, thread_ts=thread_ts)

    app.action(COMMENT)(ack=ack_click, lazy=[open_comment])
    app.action(CLOSE)(ack=ack_click, lazy=[change_state])
    app.action(REOPEN)(ack=ack_click, lazy=[change_state])
    app.view(MODAL)(ack=ack_submission, lazy=[submit_comment])


def _text(submission: CommentSubmission) -> str:
    state = submission.view.state.values.get(MODAL_INPUT, {}).get(MODAL_INPUT)
    return (state.value if state is not None else None) or ""
