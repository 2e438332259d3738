"""The fields each listener reads of Slack's payloads, validated where the listener starts.

Slack always sends these; a signed request that lacks one, or has a number where Slack
sends a string, is not Slack's. `read` turns such a payload into `InvalidPayload`, which the
one error path (`bot.errors`) answers with a 400 and one `slack.invalid_payload` line naming
the fields (never their values) instead of a traceback. Past `read`, listeners index
without guarding every key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

M = TypeVar("M", bound=BaseModel)

Id = Annotated[str, StringConstraints(min_length=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")]
MAX_UNIX_TIME = 253_402_300_799  # 9999-12-31T23:59:59Z, the last time `datetime` shows


class InvalidPayload(Exception):
    """A payload without a field its listener needs (or with the wrong type)."""

    def __init__(self, what: str, fields: list[str]) -> None:
        self.what = what
        self.fields = fields
        super().__init__(f"{what}: {', '.join(fields)}")


def _field(loc: tuple[Any, ...]) -> str:
    name = ".".join(str(part) for part in loc) or "body"
    return "".join(c if c.isprintable() and c != " " else "?" for c in name[:80])


def read(model: type[M], data: object) -> M:
    """`data` as `model`; `InvalidPayload` naming what is missing or mistyped."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({_field(error["loc"]) for error in exc.errors()})
        raise InvalidPayload(model.__name__, fields[:10]) from None


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class Ref(Payload):
    id: Id


class Command(Payload):
    """A slash command's form fields."""

    user_id: Id
    channel_id: Id
    text: str = ""
    trigger_id: Id
    response_url: Url | None = None


class ShortcutMessage(Payload):
    ts: Id
    text: str = ""
    thread_ts: str | None = None
    user: str | None = None
    reply_count: int = 0


class MessageShortcut(Payload):
    user: Ref
    channel: Ref
    message: ShortcutMessage
    trigger_id: str = ""
    response_url: Url | None = None


class OptionText(Payload):
    text: str = ""


class Option(Payload):
    value: str | None = None
    text: OptionText | None = None


class ElementState(Payload):
    """An input's state in `view.state.values`, as the modal reads it back."""

    value: str | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_user: str | None = None
    selected_date: str | None = None
    selected_date_time: int | None = Field(default=None, ge=0, le=MAX_UNIX_TIME)


class ViewState(Payload):
    values: dict[str, dict[str, ElementState]] = Field(default_factory=dict)


class ModalView(Payload):
    """The create-issue modal as a view submission or block action carries it."""

    id: Id
    hash: str | None = None
    private_metadata: str = ""
    state: ViewState = ViewState()


class ModalAction(Payload):
    """A block action of the modal (a project or issue type chosen)."""

    view: ModalView


class BlockAction(Payload):
    action_ts: str | None = None
    selected_option: Option | None = None


class BlockSuggestion(Payload):
    value: str = ""


class EventCallback(Payload):
    event_id: str | None = None


class Link(Payload):
    url: str


class LinkShared(Payload):
    channel: str = ""
    links: list[Link] = Field(default_factory=list)
    unfurl_id: str | None = None
    source: str | None = None
    message_ts: str | None = None


class CardContainer(Payload):
    """Where the card is: a message of the app's, or (`is_app_unfurl`) the preview of a Jira
    link in someone's message."""

    channel_id: Id
    message_ts: Id
    is_app_unfurl: bool = False
    app_unfurl_url: str | None = None


class CardMessage(Payload):
    ts: Id
    thread_ts: str | None = None


class CardElement(Payload):
    """The card element used: its block id names the issue (`jira_card:PROJ-1`)."""

    action_id: Id
    block_id: Id
    selected_option: Option | None = None


class CardClick(Payload):
    """A `block_actions` payload of an issue card's button or select."""

    user: Ref
    container: CardContainer
    message: CardMessage
    trigger_id: Id
    actions: Annotated[list[CardElement], Field(min_length=1)]


class ViewContainer(Payload):
    type: Literal["view"]
    view_id: Id


class HomeCardClick(Payload):
    """A `block_actions` payload of an issue's card buttons on the App Home (no message)."""

    user: Ref
    container: ViewContainer
    trigger_id: Id
    actions: Annotated[list[CardElement], Field(min_length=1)]


class CardSuggestion(Payload):
    """A `block_suggestion` payload of an issue card's transition select."""

    block_id: Id
    value: str = ""
