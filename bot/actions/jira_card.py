"""The listeners of a Jira issue card's buttons (`integrations.jira.buttons`) and modals.

Each acks at once and works in a lazy listener (`ack=…, lazy=[…]`); the work is
`integrations.jira.actions.CardActions`. The transition select's options are Jira's
transitions for the issue now, asked with the short interactive timeout (Slack waits for
them). *Open in Jira* is a link: Slack opens it and still sends an action, which is acked.
The same buttons sit on the App Home (`integrations.home`): a click there has no message
(`HomeCardClick`), the card is one `on_home`, and the Home is drawn again after a change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext

from bot.errors import lazy_guard
from bot.payloads import CardClick, CardElement, CardSuggestion, HomeCardClick, ModalView, read
from bot.views.jira_card import (
    COMMENT_VIEW,
    TRANSITION_VIEW,
    CardModal,
    comment_modal,
    comment_text,
    screen_kinds,
    screen_values,
    state_by_block,
    transition_modal,
)
from bot.views.ticket_modal.blockkit import option
from integrations.jira.actions import Card, NeedsFields
from integrations.jira.buttons import ASSIGN, COMMENT, OPEN, TRANSITION, issue_key_of
from integrations.jira_api import JiraError
from integrations.slack.errors import SlackFailure

if TYPE_CHECKING:
    from bot.services import BotServices

log = logging.getLogger(__name__)


def clicked(body: dict[str, Any]) -> tuple[Card | None, str, CardElement]:
    """The card clicked (None when the element is not in a card's actions block), the
    trigger id and the element: on a message, in an unfurl, or on the App Home."""
    if (body.get("container") or {}).get("type") == "view":
        home = read(HomeCardClick, body)
        key = issue_key_of(home.actions[0].block_id)
        card = Card(key=key, user_id=home.user.id, channel="", ts="", thread_ts="") if key else None
        return card, home.trigger_id, home.actions[0]
    click = read(CardClick, body)
    return card_of(click), click.trigger_id, click.actions[0]


def card_of(click: CardClick) -> Card | None:
    """The card clicked, or None when the element is not in a card's actions block."""
    key = issue_key_of(click.actions[0].block_id)
    if key is None:
        return None
    message, container = click.message, click.container
    return Card(
        key=key,
        user_id=click.user.id,
        channel=container.channel_id,
        ts=message.ts,
        thread_ts=message.thread_ts or message.ts,
        unfurl_url=container.app_unfurl_url if container.is_app_unfurl else None,
    )


def register(app: App, services: BotServices) -> None:
    container = services.container
    cards = container.card_actions
    home = container.home
    slack = container.slack
    options_jira = container.jira_interactive

    def open_view(trigger_id: str, view: dict[str, Any], card: Card) -> None:
        try:
            slack.call(slack.client.views_open, trigger_id=trigger_id, view=view)
        except SlackFailure as error:  # e.g. the trigger expired: say so rather than nothing
            log.warning("jira_card.modal_failed key=%s error=%s", card.key, error.code)
            cards.tell(card, "Slack did not let me open the form in time: please click again.")

    def transition_options(ack: Ack, body: dict[str, Any]) -> None:
        suggestion = read(CardSuggestion, body)
        key = issue_key_of(suggestion.block_id)
        try:
            offered = options_jira.transitions(key) if key else []
        except JiraError as error:
            log.warning("jira_card.options_failed key=%s error=%s", key, error)
            offered = []
        typed = suggestion.value.strip().casefold()
        ack(
            options=[
                option(t.name if t.name == t.to_status else f"{t.name} → {t.to_status}", t.id)
                for t in offered
                if typed in t.name.casefold() or typed in t.to_status.casefold()
            ]
        )

    def ack_click(ack: Ack, body: dict[str, Any]) -> None:
        clicked(body)  # a 400 now, not a failure when lazy
        ack()

    @lazy_guard
    def transition_chosen(body: dict[str, Any]) -> None:
        card, trigger_id, element = clicked(body)
        chosen = element.selected_option
        if card is None or chosen is None or not chosen.value:
            return
        outcome = cards.transition(card, chosen.value)
        if outcome is None and card.on_home:
            home.publish(card.user_id)
        if isinstance(outcome, NeedsFields):
            kinds, cannot = screen_kinds(outcome.transition)
            if cannot:
                cards.tell(
                    card,
                    f"Moving {card.key} to *{outcome.transition.to_status}* needs "
                    f"{', '.join(cannot)}, which I can't ask for here: use *Open in Jira*.",
                )
                return
            open_view(trigger_id, transition_modal(card, outcome.transition, kinds), card)

    @lazy_guard
    def assign_to_me(body: dict[str, Any]) -> None:
        card, _, _ = clicked(body)
        if card is not None:
            cards.assign_to_me(card)
            if card.on_home:
                home.publish(card.user_id)

    @lazy_guard
    def open_comment(body: dict[str, Any]) -> None:
        card, trigger_id, _ = clicked(body)
        if card is not None and cards.may_comment(card):
            open_view(trigger_id, comment_modal(card), card)

    def ack_link(ack: Ack) -> None:
        ack()  # Slack opened the link; nothing to do

    app.options(TRANSITION)(transition_options)
    app.action(TRANSITION)(ack=ack_click, lazy=[transition_chosen])
    app.action(ASSIGN)(ack=ack_click, lazy=[assign_to_me])
    app.action(COMMENT)(ack=ack_click, lazy=[open_comment])
    app.action(OPEN)(ack_link)
    _register_modals(app, services)


def _register_modals(app: App, services: BotServices) -> None:
    cards = services.container.card_actions
    home = services.container.home

    def ack_comment(ack: Ack, view: dict[str, Any], body: dict[str, Any]) -> None:
        submitted = read(ModalView, view)
        CardModal.load(submitted.private_metadata)
        if not comment_text(state_by_block(submitted.state.model_dump()["values"])):
            ack(response_action="errors", errors={"comment": "Write something to comment."})
            return
        ack()

    @lazy_guard
    def add_comment(view: dict[str, Any], body: dict[str, Any]) -> None:
        submitted = read(ModalView, view)
        meta = CardModal.load(submitted.private_metadata)
        text = comment_text(state_by_block(submitted.state.model_dump()["values"]))
        if text:
            cards.comment(meta.card(str(body["user"]["id"])), text)

    def ack_transition(
        ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext
    ) -> None:
        submitted = read(ModalView, view)
        meta = CardModal.load(submitted.private_metadata)
        states = state_by_block(submitted.state.model_dump()["values"])
        values, errors = screen_values(meta, states)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        context["card_fields"] = values
        ack()

    @lazy_guard
    def transition_with_fields(
        view: dict[str, Any], body: dict[str, Any], context: BoltContext
    ) -> None:
        values = context.get("card_fields")
        meta = CardModal.load(read(ModalView, view).private_metadata)
        if values is None or meta.transition_id is None:
            return  # the input was refused
        card = meta.card(str(body["user"]["id"]))
        cards.transition(card, meta.transition_id, values)
        if card.on_home:
            home.publish(card.user_id)

    app.view(COMMENT_VIEW)(ack=ack_comment, lazy=[add_comment])
    app.view(TRANSITION_VIEW)(ack=ack_transition, lazy=[transition_with_fields])
