"""The buttons of GitHub cards and what the app tells people who press them. Pure.

A pull request or issue card the app posts as a thread's parent gets *Comment* (a modal; the
comment is made with `GITHUB_TOKEN` and names the person: "**Ada Lovelace** via Slack: …"),
and an issue card *Close* or *Reopen*. Who may press them (`integrations.github.card_actions`):
the Slack user's GitHub login (people directory, `/ticket link github <login>`) must hold,
in the repository, a role that allows it on GitHub itself: any collaborator role (`read`
and up) to comment, `write`, `maintain` or `admin` to close or reopen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from integrations.messages import SlackMessage
from integrations.slack_text import escape

COMMENT = "github_comment"
CLOSE = "github_close"
REOPEN = "github_reopen"
ACTIONS_BLOCK = "github_card_actions"
MODAL = "github_comment_modal"
MODAL_INPUT = "comment"
COMMENT_MAX = 3000

Act = Literal["comment", "close", "reopen"]
ACTS: dict[str, Act] = {COMMENT: "comment", CLOSE: "close", REOPEN: "reopen"}

ROLES_ALLOWED: dict[Act, tuple[str, ...]] = {
    "comment": ("read", "triage", "write", "maintain", "admin"),
    "close": ("write", "maintain", "admin"),
    "reopen": ("write", "maintain", "admin"),
}
"""The repository roles that may do each act."""

_NEEDS = {
    "comment": "Commenting through the app needs a role in the repository (read or more)",
    "close": "Closing an issue needs the write, maintain or admin role",
    "reopen": "Reopening an issue needs the write, maintain or admin role",
}
_VERB = {"comment": "comment on", "close": "close", "reopen": "reopen"}


@dataclass(frozen=True, slots=True)
class Item:
    """A pull request or issue of a card: `owner/repo#42`."""

    repository: str
    number: int

    @classmethod
    def parse(cls, value: str) -> Item | None:
        repository, hash_, number = value.rpartition("#")
        if not hash_ or "/" not in repository or not number.isdigit():
            return None
        return cls(repository, int(number))

    def __str__(self) -> str:
        return f"{self.repository}#{self.number}"


def with_buttons(card: SlackMessage, item: str, *, issue: bool, is_open: bool) -> SlackMessage:
    """The card with its buttons: Comment; Close or Reopen for an issue."""
    buttons = [ButtonElement(text="Comment", action_id=COMMENT, value=item)]
    if issue and is_open:
        buttons.append(ButtonElement(text="Close", action_id=CLOSE, value=item))
    elif issue:
        buttons.append(ButtonElement(text="Reopen", action_id=REOPEN, value=item))
    actions = ActionsBlock(block_id=ACTIONS_BLOCK, elements=buttons)
    return SlackMessage(text=card.text, blocks=(*card.blocks, actions), unfurl_links=False)


def comment_modal(item: Item, private_metadata: str) -> View:
    return View(
        type="modal",
        callback_id=MODAL,
        title=PlainTextObject(text="Comment on GitHub"),
        submit=PlainTextObject(text="Comment"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=MODAL_INPUT,
                label=PlainTextObject(text=f"Your comment on {item}"),
                element=PlainTextInputElement(
                    action_id=MODAL_INPUT, multiline=True, max_length=COMMENT_MAX
                ),
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="GitHub shows the app's account as the author; the comment "
                        "starts with your name."
                    )
                ]
            ),
        ],
    )


REPLY_KEPT = "Your reply stayed in Slack: "
"""The `lead` of a refusal for a thread reply that would have become a GitHub comment."""


def not_linked(act: Act, item: Item, lead: str = "") -> SlackMessage:
    return SlackMessage.section(
        f":lock: {lead}I can't {_VERB[act]} {escape(str(item))} for you: I don't know your "
        "GitHub login. Tell me with `/ticket link github <your login>`, then try again."
    )


def not_allowed(act: Act, item: Item, login: str, role: str | None, lead: str = "") -> SlackMessage:
    has = (
        f"GitHub says `{escape(login)}` is not a collaborator of {escape(item.repository)}"
        if role is None or role == "none"
        else f"`{escape(login)}` has the {escape(role)} role in {escape(item.repository)}"
    )
    return SlackMessage.section(
        f":lock: {lead}I can't {_VERB[act]} {escape(str(item))} for you: {has}. {_NEEDS[act]}. "
        "Ask a repository admin, or do it on GitHub."
    )


def no_token() -> SlackMessage:
    return SlackMessage.section(
        ":warning: GitHub actions need `GITHUB_TOKEN`, which this app does not have. "
        "Ask an admin to set it."
    )


def failed(act: Act, item: Item, error: str) -> SlackMessage:
    return SlackMessage.section(
        f":warning: I couldn't {_VERB[act]} {escape(str(item))}: {escape(error)}. "
        "Nothing changed on GitHub."
    )


def done_in_thread(act: Act, name: str, url: str | None, text: str | None = None) -> SlackMessage:
    """The thread reply saying who did it from Slack."""
    what = {
        "comment": "commented on GitHub",
        "close": "closed this issue",
        "reopen": "reopened this issue",
    }[act]
    emoji = {"comment": ":speech_balloon:", "close": ":heavy_check_mark:", "reopen": ":repeat:"}
    verb = f"<{url}|{what}>" if url and act == "comment" else what
    line = f"{emoji[act]} *{escape(name)}* {verb} from Slack"
    if text:
        quoted = "\n".join("> " + escape(part) for part in text.splitlines() or [""])
        return SlackMessage.section(f"{line}:\n{quoted}")
    return SlackMessage.section(line)
