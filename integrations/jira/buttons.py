"""The buttons on every Jira issue card the app posts (pure: no I/O).

One `actions` block, its block id naming the issue (`jira_card:PROJ-1`): a *Transition*
select whose options Slack asks for when it opens (`block_suggestion`: the transitions Jira
offers for the issue then), *Assign to me*, *Comment* (a modal) and *Open in Jira* (a link).
The listeners are in `bot/actions/jira_card.py`, the work in `integrations/jira/actions.py`;
the App Home shows the same buttons under each of a person's issues (`integrations/home/`).
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ExternalDataSelectElement,
    PlainTextObject,
)

BLOCK_PREFIX = "jira_card:"
TRANSITION = "jira_card_transition"
ASSIGN = "jira_card_assign"
COMMENT = "jira_card_comment"
OPEN = "jira_card_open"


def block_id(key: str) -> str:
    return f"{BLOCK_PREFIX}{key}"


def issue_key_of(block: str) -> str | None:
    """The issue key a card's actions block id names, or None for another block."""
    if not block.startswith(BLOCK_PREFIX):
        return None
    key = block.removeprefix(BLOCK_PREFIX)
    project, _, number = key.rpartition("-")
    return key if project and number.isdigit() else None


def card_buttons(key: str, url: str | None) -> ActionsBlock:
    elements: list[ButtonElement | ExternalDataSelectElement] = [
        ExternalDataSelectElement(
            action_id=TRANSITION,
            placeholder=PlainTextObject(text="Transition…"),
            min_query_length=0,
        ),
        ButtonElement(text="Assign to me", action_id=ASSIGN, value=key),
        ButtonElement(text="Comment", action_id=COMMENT, value=key),
    ]
    if url:
        elements.append(ButtonElement(text="Open in Jira", action_id=OPEN, url=url, value=key))
    return ActionsBlock(block_id=block_id(key), elements=elements)
