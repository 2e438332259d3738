"""What the buttons of a Jira issue card do: transition, assign to me, comment.

Authorization: the app's Jira account acts, and only for a person whose Slack user maps
(the people directory) to a Jira account that holds the permission itself on that issue
(`JiraGateway.holds_permission`: Jira's permission search for that user). Someone unknown,
or without the permission, is told why and how to fix it (ephemerally); nothing changes in
Jira.

After a change: the card is updated in place at once (`chat.update`, from the issue as Jira
shows it now), one reply in the card's thread says what happened naming the person, Jira
records who did it (a comment "Transitioned to Done by Ada Lovelace from Slack", because its
history shows only the app's account; a comment made here reads "Ada via Slack: …" as thread
replies do), and the change is recorded (`card_actions`; before Jira is asked, as its webhook
can come back before its answer) so that Jira's webhook for it is recognised as its echo
and not said a second time (`integrations.jira.delivery`). The
comment's mapping (`comment_message`, origin `slack`) keeps Jira's comment webhook out of
Slack, as for comments made from thread replies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from integrations.jira.formatters import Context, issue_card, issue_link
from integrations.jira.markup import slack_escape
from integrations.jira.models import Issue
from integrations.jira.previews import IssuePreviews
from integrations.jira_api import (
    ADD_COMMENTS,
    ASSIGN_ISSUES,
    TRANSITION_ISSUES,
    JiraError,
    JiraGateway,
    JiraRejected,
    JiraUser,
    Transition,
)
from integrations.jira_api.errors import describe
from integrations.messages import SlackMessage
from integrations.people import Directory
from integrations.slack.blockkit import fit_blocks, fitted
from integrations.slack.errors import SlackFailure
from integrations.slack.posts import card_hash
from integrations.slack.writer import SlackWriter
from integrations.slack_text import escape
from integrations.slack_to_jira import Mention, mentioned_users
from integrations.tickets import formatting
from integrations.tickets.announced import announcements, ticket_card
from storage import Repositories
from storage.domain import MappingType, parse_slack_ref, slack_ref

log = logging.getLogger(__name__)

HOME = "app_home"
"""The `thread` of a change made from a person's App Home (no message, no thread)."""
T = TypeVar("T")

PERMISSION_NAMES = {
    TRANSITION_ISSUES: "Transition Issues",
    ASSIGN_ISSUES: "Assign Issues",
    ADD_COMMENTS: "Add Comments",
}
LINK_HINT = "`/ticket link jira <your Jira email or account id>`"


@dataclass(frozen=True, slots=True)
class Card:
    """The card a person used: which issue, who, and where the card is."""

    key: str
    user_id: str
    channel: str
    ts: str
    thread_ts: str
    unfurl_url: str | None = None
    """Set when the card is the preview of this Jira link in someone's message."""

    @property
    def on_home(self) -> bool:
        """The issue's buttons on the person's App Home (no channel, no message): what they
        are told and what was done goes to the app's DM with them, and the listener draws
        their Home again instead of updating a card."""
        return not self.channel

    @property
    def thread(self) -> str:
        return slack_ref(self.channel, self.thread_ts)


@dataclass(frozen=True, slots=True)
class NeedsFields:
    """The transition has a screen with required fields: ask for them (a modal)."""

    transition: Transition


class Refused(Exception):
    """Why the person's click changes nothing (mrkdwn, shown to them alone)."""


class CardActions:
    def __init__(
        self,
        *,
        jira: JiraGateway,
        slack: SlackWriter,
        repos: Repositories,
        people: Directory,
        previews: IssuePreviews,
    ) -> None:
        self._jira = jira
        self._previews = previews
        self._slack = slack
        self._repos = repos
        self._people = people

    # --- the actions ------------------------------------------------------------------------

    def transition(
        self, card: Card, transition_id: str, fields: dict[str, Any] | None = None
    ) -> NeedsFields | None:
        """Move the issue; `NeedsFields` when the transition's screen wants values first."""
        return self._guarded(card, "move", lambda: self._transition(card, transition_id, fields))

    def assign_to_me(self, card: Card) -> None:
        self._guarded(card, "assign", lambda: self._assign(card))

    def comment(self, card: Card, text: str) -> None:
        self._guarded(card, "comment on", lambda: self._comment(card, text))

    def may_comment(self, card: Card) -> bool:
        """Whether the person may comment (asked before the modal opens); if not, they are
        told why."""
        return (
            self._guarded(
                card, "comment on", lambda: self._authorized(card, ADD_COMMENTS, "comment on")
            )
            is not None
        )

    def tell(self, card: Card, text: str) -> None:
        """`text` to the person alone, in the card's thread (from the Home: in the DM)."""
        self._slack.tell_user(
            card.user_id,
            card.channel or None,
            formatting.notice(text),
            thread_ts=card.thread_ts or None,
        )

    # --- each action ------------------------------------------------------------------------

    def _transition(
        self, card: Card, transition_id: str, fields: dict[str, Any] | None
    ) -> NeedsFields | None:
        self._authorized(card, TRANSITION_ISSUES, "move")
        offered = {t.id: t for t in self._jira.transitions(card.key)}
        chosen = offered.get(transition_id)
        if chosen is None:
            raise Refused(
                f"{card.key} can no longer be moved that way (someone may have moved it "
                "already): pick again from the card."
            )
        if chosen.needs_input and fields is None:
            return NeedsFields(chosen)
        status = chosen.to_status
        self._recorded(
            card, "status", status, lambda: self._jira.transition(card.key, chosen.id, fields or {})
        )
        issue = self._refresh_card(card)
        said = self._say(
            card, f"<@{card.user_id}> moved {issue_link(issue)} to *{slack_escape(status)}*."
        )
        name = self._full_name(card.user_id)
        self._note_in_jira(card, f"Transitioned to {status} by {name} from Slack", said)
        return None

    def _assign(self, card: Card) -> None:
        account = self._authorized(card, ASSIGN_ISSUES, "assign")
        self._recorded(card, "assignee", account.id, lambda: self._jira.assign(card.key, account))
        issue = self._refresh_card(card)
        said = self._say(card, f"<@{card.user_id}> assigned {issue_link(issue)} to themselves.")
        self._note_in_jira(card, f"Assigned to {self._full_name(card.user_id)} from Slack", said)

    def _comment(self, card: Card, text: str) -> None:
        self._authorized(card, ADD_COMMENTS, "comment on")
        person = self._people.slack_person(card.user_id)
        typed = escape(text)  # a modal's text is plain: as Slack would send it in a message
        body = formatting.comment(
            person.name, typed, None, mentions=self._mentions(typed), v3=self._jira.rich_text_v3
        )
        url = self._jira.browse_url(card.key)
        quoted = "\n".join(f">{line}" for line in typed.splitlines())
        # Said first, so the comment's mapping is stored the moment Jira answers (its
        # webhook is then known as made from Slack); taken back if Jira refuses.
        said = self._say(card, f"<@{card.user_id}> commented on <{url}|{card.key}>:\n{quoted}")
        try:
            comment_id = self._jira.add_comment(card.key, body)
        except JiraError:
            self._unsay(said)
            raise
        self._remember_comment(card, comment_id, said)

    # --- steps ------------------------------------------------------------------------------

    def _guarded(self, card: Card, verb: str, action: Callable[[], T]) -> T | None:
        """Run `action`; a refusal or Jira's error goes to the person, nothing is raised."""
        try:
            return action()
        except Refused as refusal:
            self.tell(card, str(refusal))
        except JiraRejected as error:
            words = describe(error.messages, error.field_errors) or str(error)
            log.info("jira_card.rejected key=%s verb=%s status=%s", card.key, verb, error.status)
            self.tell(
                card, f":warning: Jira did not let me {verb} {card.key}: {slack_escape(words)}"
            )
        except JiraError as error:
            log.warning("jira_card.failed key=%s verb=%s error=%s", card.key, verb, error)
            self.tell(
                card,
                f":warning: I could not {verb} {card.key}: {slack_escape(str(error))}. "
                "Nothing was changed that I know of; try again in a moment.",
            )
        return None

    def _authorized(self, card: Card, permission: str, verb: str) -> JiraUser:
        account = self._people.jira_account(card.user_id)
        if account is None:
            raise Refused(
                f"I don't know your Jira account, so I can't {verb} {card.key} for you. "
                f"Tell me who you are in Jira with {LINK_HINT}, then try again."
            )
        if not self._jira.holds_permission(card.key, account, permission):
            raise Refused(
                f"Your Jira account ({slack_escape(account.display_name)}) doesn't have the "
                f"*{PERMISSION_NAMES[permission]}* permission on {card.key}, so I didn't "
                f"{verb} it. A Jira admin of the project can grant it; if that is not your "
                f"account, link the right one with {LINK_HINT}."
            )
        return account

    def _recorded(self, card: Card, field: str, value: str, change: Callable[[], None]) -> None:
        """`change()` (the call to Jira), recorded as the person's (`card_actions`) before it
        is made: Jira sends its webhook as the change commits, and that can be delivered
        before Jira's answer to the call is. Forgotten again when the call fails."""
        # From the Home no thread said it: Jira's webhook tells every thread, naming the person.
        thread = HOME if card.on_home else card.thread
        action = self._repos.card_actions.record(
            card.key, field, value, slack_user_id=card.user_id, thread=thread
        )
        try:
            change()
        except Exception:
            self._repos.card_actions.forget(action.id)
            raise

    def _full_name(self, user_id: str) -> str:
        person = self._people.slack_person(user_id)
        return person.real_name or person.name

    def _mentions(self, text: str) -> dict[str, Mention]:
        return self._people.mentions(mentioned_users(text))

    def _refresh_card(self, card: Card) -> Issue:
        """The card edited to the issue as Jira shows it now; the thread's card hash kept in
        step, so the webhook that follows does not edit it again."""
        issue, ctx = self._previews.now(card.key)
        if card.on_home:
            return issue
        message = self._ticket_card(card, issue, ctx) or issue_card(issue, ctx)
        if message is None:
            return issue
        client = self._slack.client
        try:
            if card.unfurl_url:  # a Jira link's preview: unfurled again
                self._slack.call(
                    client.chat_unfurl,
                    channel=card.channel,
                    ts=card.ts,
                    unfurls={card.unfurl_url: {"blocks": fit_blocks(message.blocks)}},
                )
                return issue
            self._slack.update(card.channel, card.ts, message)
        except SlackFailure as error:
            log.warning("jira_card.update_failed key=%s error=%s", card.key, error.code)
            return issue
        self._keep_card_hash(card, message)
        return issue

    def _ticket_card(self, card: Card, issue: Issue, ctx: Context) -> SlackMessage | None:
        """The card of an issue made from Slack, as it was announced, with its state now;
        None when the card is not such an announcement (a subscription's card)."""
        for made in announcements(self._repos, card.key):
            if made.ts == card.ts and made.thread == card.thread:
                return ticket_card(issue, self._jira.browse_url(issue.key), made.request, ctx)
        return None

    def _keep_card_hash(self, card: Card, message: SlackMessage) -> None:
        mappings = self._repos.mappings
        here = slack_ref(card.channel, card.ts)
        for thread in mappings.targets_of(MappingType.ISSUE_THREAD, "jira", card.key):
            extra = thread.extra_data
            subscribed = thread.target_id == here and extra.get("card")
            announced = thread.target_id == card.thread and extra.get("announcement_ts") == card.ts
            if subscribed or announced:
                mappings.update_extra(thread.id, {"card_hash": card_hash(message)})

    def _say(self, card: Card, text: str) -> str | None:
        """The one reply in the card's thread (from the Home: in the DM); its reference, or
        None when Slack refused."""
        try:
            if card.on_home:
                posted = self._slack.call(
                    self._slack.client.chat_postMessage,
                    channel=card.user_id,
                    **fitted(formatting.notice(text)),
                )
                return slack_ref(str(posted["channel"]), str(posted["ts"]))
            ts = self._slack.post(card.channel, formatting.notice(text), thread_ts=card.thread_ts)
        except SlackFailure as error:
            log.warning("jira_card.reply_failed key=%s error=%s", card.key, error.code)
            return None
        return slack_ref(card.channel, ts)

    def _unsay(self, said: str | None) -> None:
        if said is None:
            return
        channel, ts = parse_slack_ref(said)
        try:
            self._slack.call(self._slack.client.chat_delete, channel=channel, ts=ts)
        except SlackFailure as error:
            log.warning("jira_card.unsay_failed reply=%s error=%s", said, error.code)

    def _note_in_jira(self, card: Card, text: str, said: str | None) -> None:
        """Who did it, as a comment: Jira's history names only the app's account."""
        try:
            comment_id = self._jira.add_comment(
                card.key, formatting.rich_text(text, v3=self._jira.rich_text_v3)
            )
        except JiraError as error:  # the change is made; only the note is missing
            log.warning("jira_card.note_failed key=%s error=%s", card.key, error)
            return
        self._remember_comment(card, comment_id, said)

    def _remember_comment(self, card: Card, comment_id: str, said: str | None) -> None:
        if said is None:
            return
        self._repos.mappings.link(
            MappingType.COMMENT_MESSAGE,
            "jira",
            f"{card.key}/{comment_id}",
            "slack",
            said,
            {"origin": "slack"},
        )
