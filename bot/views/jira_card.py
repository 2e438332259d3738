"""The modals of a Jira issue card: a comment, and the fields a transition's screen requires.

Each carries the card it came from in `private_metadata` (`CardModal`), so the submission
acts on the same issue, for the same person, and answers in the same thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from pydantic import ValidationError

from bot.payloads import InvalidPayload, Payload
from bot.views.ticket_modal.blockkit import input_block, mrkdwn_context, plain_text
from bot.views.ticket_modal.fields import FIELD_PREFIX, FIELD_TYPES, FieldKind, field_kind
from integrations.jira.actions import Card
from integrations.jira_api import Transition
from integrations.slack_text import escape

COMMENT_VIEW = "jira_card_comment"
TRANSITION_VIEW = "jira_card_transition"
COMMENT_BLOCK = "comment"
TITLE_LIMIT = 24


class CardModal(Payload):
    """What a card's modal remembers of the card (its `private_metadata`)."""

    key: str
    user_id: str
    channel: str
    ts: str
    thread_ts: str
    transition_id: str | None = None
    to_status: str | None = None
    fields: dict[str, str] = {}
    """Field id → its kind (`ticket_modal.fields.FieldKind`) for a transition's screen."""

    @classmethod
    def of(cls, card: Card, **extra: Any) -> CardModal:
        return cls(
            key=card.key,
            user_id=card.user_id,
            channel=card.channel,
            ts=card.ts,
            thread_ts=card.thread_ts,
            **extra,
        )

    @classmethod
    def load(cls, raw: str) -> CardModal:
        try:
            return cls.model_validate(json.loads(raw or "{}"))
        except (ValueError, ValidationError):
            raise InvalidPayload("CardModal", ["private_metadata"]) from None

    def card(self, user_id: str) -> Card:
        """The card, acted on by whoever submitted the modal (Slack says who)."""
        return Card(self.key, user_id, self.channel, self.ts, self.thread_ts)


def _modal(
    callback_id: str, title: str, submit: str, meta: CardModal, blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(title[:TITLE_LIMIT]),
        "submit": plain_text(submit),
        "close": plain_text("Cancel"),
        "private_metadata": meta.model_dump_json(),
        "blocks": blocks,
    }


def comment_modal(card: Card) -> dict[str, Any]:
    box = {"type": "plain_text_input", "action_id": COMMENT_BLOCK, "multiline": True}
    return _modal(
        COMMENT_VIEW,
        f"Comment on {card.key}",
        "Comment",
        CardModal.of(card),
        [
            input_block(
                COMMENT_BLOCK,
                "Comment",
                box,
                hint="Added in Jira as “<your name> via Slack: …”, and said in the card's thread.",
            )
        ],
    )


def screen_kinds(transition: Transition) -> tuple[dict[str, FieldKind], list[str]]:
    """The required fields the modal can take (id → kind), and the names of those it cannot."""
    kinds: dict[str, FieldKind] = {}
    cannot: list[str] = []
    for info in transition.needs_input:
        kind = field_kind(info)
        if kind is None or FIELD_TYPES[kind].goes_to != "custom_fields":
            cannot.append(info.name)
        else:
            kinds[info.id] = kind
    return kinds, cannot


def transition_modal(card: Card, transition: Transition, kinds: Mapping[str, FieldKind]) -> dict:
    infos = {f.id: f for f in transition.needs_input}
    blocks = [
        mrkdwn_context(
            f"Jira asks for these to move *{escape(card.key)}* to *{escape(transition.to_status)}*."
        )
    ]
    for field_id, kind in kinds.items():
        info = infos[field_id]
        field_type = FIELD_TYPES[kind]
        action_id = FIELD_PREFIX + field_id
        element = field_type.element(action_id, info.allowed, None)
        blocks.append(input_block(action_id, info.name, element, hint=field_type.hint))
    meta = CardModal.of(
        card, transition_id=transition.id, to_status=transition.to_status, fields=dict(kinds)
    )
    return _modal(TRANSITION_VIEW, f"Move {card.key}", "Move", meta, blocks)


def screen_values(
    meta: CardModal, states: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The transition's field values as Jira takes them, and the input errors by block."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field_id, kind in meta.fields.items():
        block_id = FIELD_PREFIX + field_id
        if kind not in FIELD_TYPES:
            raise InvalidPayload("CardModal", ["private_metadata"])
        value, problem = FIELD_TYPES[cast(FieldKind, kind)].parse(states.get(block_id) or {})
        if problem:
            errors[block_id] = problem
        elif value in (None, "", []):
            errors[block_id] = "Jira requires this to make the move."
        else:
            values[field_id] = value
    return values, errors


def comment_text(states: Mapping[str, Mapping[str, Any]]) -> str:
    return str((states.get(COMMENT_BLOCK) or {}).get("value") or "").strip()


def state_by_block(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """`view.state.values` as block id → the state of its one element."""
    flat: dict[str, Any] = {}
    for block_id, actions in values.items():
        for state in actions.values():
            flat[block_id] = state
    return flat
