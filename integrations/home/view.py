"""The App Home view of one person (pure: facts in, a `home` view out).

Sections: a notice (what a click just did), *Your Jira issues* (assigned to you, then
reported by you, each with the Jira card's buttons), *Pull requests awaiting your review*,
*Your notifications* (checkboxes), and for admins *Delivery health* (counts of the last day,
the latest failed events with *Retry*, the oldest pending event's age).

Slack allows 100 blocks in a view: an issue with its buttons takes two, so when the lists are
long the issues past the budget are listed as links without buttons (`ISSUE_BUDGET`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from integrations.home.facts import HomeFacts, JiraIssues
from integrations.jira.buttons import card_buttons
from integrations.jira.markup import slack_escape
from integrations.jira.models import Issue
from integrations.people.notify import KINDS
from integrations.slack_text import escape
from storage.domain import DeliveryHealth, Integration, Notifications, PendingReview

MAX_BLOCKS = 100
NOTIFY = "home_notify"
RETRY = "home_retry"
DMS_ON = "on"
SECTION_TEXT = 3000
ISSUE_BLOCKS = 2  # the issue's line and its buttons
STATUS_ORDER = ("pending", "completed", "failed", "ignored")
KIND_LABELS = {
    "review-requests": "Review requests",
    "assigned": "Assigned to me",
    "mentions": "Mentions",
    "my-prs": "My pull requests",
}

Block = dict[str, Any]


def _section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT]}, **extra}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_TEXT]}]}


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _divider() -> Block:
    return {"type": "divider"}


def home_view(facts: HomeFacts) -> dict[str, Any]:
    """The `home` view: at most `MAX_BLOCKS` blocks."""
    head: list[Block] = [_context(facts.notice)] if facts.notice else []
    reviews = _reviews(facts)
    settings = _notifications(facts.notifications)
    admin = _health(facts.health) if facts.health is not None else []
    fixed = len(head) + len(reviews) + len(settings) + len(admin) + 3  # dividers
    jira = _jira(facts, MAX_BLOCKS - fixed)
    blocks = [*head, *jira, _divider(), *reviews, _divider(), *settings]
    if admin:
        blocks += [_divider(), *admin]
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


# --- Jira ---------------------------------------------------------------------------------


def _jira(facts: HomeFacts, budget: int) -> list[Block]:
    blocks: list[Block] = [_header("Your Jira issues")]
    if not facts.jira_configured:
        return [*blocks, _context("Jira is not configured for this app.")]
    found = facts.jira
    if found is not None and not found.answered:
        return [
            *blocks,
            _section(
                ":warning: Jira did not answer just now, so your issues are not shown. "
                "Open this tab again in a moment."
            ),
        ]
    if not facts.jira_linked or found is None:
        return [
            *blocks,
            _section(
                "I don't know your Jira account yet, so I can't list your issues. Tell me "
                "who you are in Jira: `/ticket link jira <your Jira email or account id>`."
            ),
        ]
    return blocks + _issue_lists(found, budget - len(blocks) - 2)


def _issue_lists(found: JiraIssues, budget: int) -> list[Block]:
    """Assigned, then reported (without those already shown): each issue with its buttons
    while the budget lasts, then as links in one block per list."""
    shown: set[str] = set()
    blocks: list[Block] = []
    lists = [
        ("Assigned to you", found.assigned, "Nothing open is assigned to you."),
        ("Reported by you", found.reported, "Nothing you reported is open."),
    ]
    for index, (title, issues, empty) in enumerate(lists):
        fresh = [i for i in issues if i.key not in shown]
        shown.update(i.key for i in fresh)
        count = f" ({len(issues)})" if issues else ""
        blocks.append(_section(f"*{title}*{count}"))
        if not issues:
            blocks.append(_context(empty))
        elif len(fresh) < len(issues):
            above = ", ".join(i.key for i in issues if i not in fresh)
            blocks.append(_context(f"Also assigned to you, so listed above: {above}."))
        later = 3 * (len(lists) - index - 1)  # a later list's title, note and links
        room = budget - len(blocks) - later
        with_buttons = min(len(fresh), room // ISSUE_BLOCKS)
        if with_buttons < len(fresh):
            with_buttons = max(0, (room - 1) // ISSUE_BLOCKS)
        for issue in fresh[:with_buttons]:
            buttons = card_buttons(issue.key, issue.browse_url).to_dict()
            blocks += [_section(_issue_line(issue)), buttons]
        if rest := fresh[with_buttons:]:
            lines = "\n".join(f"• {_issue_line(i, compact=True)}" for i in rest)
            blocks.append(
                _section(f"{lines}\n_More than fit here with buttons: open them in Jira._")
            )
    return blocks


def _issue_line(issue: Issue, *, compact: bool = False) -> str:
    fields = issue.fields
    url = issue.browse_url
    key = f"<{url}|{issue.key}>" if url else issue.key
    summary = slack_escape(fields.summary or "(no summary)")
    facts = [
        f"*{slack_escape(fields.status.name)}*" if fields.status and fields.status.name else None,
        slack_escape(fields.priority.name) if fields.priority and fields.priority.name else None,
        slack_escape(fields.issuetype.name) if fields.issuetype and fields.issuetype.name else None,
    ]
    details = " · ".join(f for f in facts if f)
    if compact:
        return f"{key} {summary}" + (f" — {details}" if details else "")
    return f"*{key}* {summary}" + (f"\n{details}" if details else "")


# --- GitHub -------------------------------------------------------------------------------


def _reviews(facts: HomeFacts) -> list[Block]:
    blocks: list[Block] = [_header("Pull requests awaiting your review")]
    if facts.github_login is None:
        return [
            *blocks,
            _section(
                "GitHub cannot tell me who you are: link your login with "
                "`/ticket link github <your GitHub login>` to see the pull requests "
                "awaiting your review here."
            ),
        ]
    if not facts.reviews:
        return [
            *blocks,
            _context(
                f"None in the subscribed repositories that I know of "
                f"(GitHub: `{escape(facts.github_login)}`)."
            ),
        ]
    people = facts.people or {}
    lines = [_review_line(review, people) for review in facts.reviews]
    return blocks + [_section(text) for text in _chunks(lines)]


def _review_line(review: PendingReview, people: dict[str, str]) -> str:
    """`• <url|Owner/Repo#2> Title — by author`, the name as GitHub spells it (its URL)."""
    path = review.url.removeprefix("https://github.com/").split("/")
    spelled = "/".join(path[:2]) if len(path) >= 2 and "/pull/" in review.url else None
    name = f"{spelled or review.repository}#{review.number}"
    author = review.author
    slack_id = people.get(author.lower()) if author else None
    by = f" — by <@{slack_id}>" if slack_id else f" — by {escape(author)}" if author else ""
    return f"• <{review.url}|{escape(name)}> {escape(review.title)}{by}"


def _chunks(lines: Iterable[str]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > SECTION_TEXT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current] if current else chunks


# --- notification settings -----------------------------------------------------------------


def _option(value: str, text: str, description: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {"text": {"type": "mrkdwn", "text": text}, "value": value}
    if description:
        option["description"] = {"type": "mrkdwn", "text": description}
    return option


def _notifications(notifications: Notifications) -> list[Block]:
    options = [_option(DMS_ON, "*Direct messages from me*", "Off: I never DM you.")]
    for kind, when in KINDS.items():
        options.append(
            _option(kind.value, KIND_LABELS.get(kind.value, kind.value), f"When {when}.")
        )
    chosen = [options[0]] if notifications.enabled else []
    chosen += [o for o in options[1:] if o["value"] not in {k.value for k in notifications.off}]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": NOTIFY, "options": options}
    if chosen:
        element["initial_options"] = chosen
    if notifications.enabled:
        state = "Direct messages are *on*, for the kinds ticked below."
    else:
        state = "Direct messages are *off*: tick the first box to get them, for the kinds ticked."
    return [
        _header("Your notifications"),
        _context(f"{state} (`/ticket notify` does the same.)"),
        {"type": "actions", "block_id": "home_notify", "elements": [element]},
    ]


# --- delivery health (admins) --------------------------------------------------------------


def _health(health: DeliveryHealth) -> list[Block]:
    counts = health.by_status
    known = [s for s in STATUS_ORDER if counts.get(s)] + sorted(
        s for s in counts if s not in STATUS_ORDER and counts[s]
    )
    summary = " · ".join(f"{counts[s]} {s}" for s in known) or "no events"
    waiting = (
        f"The oldest pending event arrived {_age(health.oldest_pending, health.now)} ago."
        if health.oldest_pending is not None
        else "Nothing is waiting to be delivered."
    )
    blocks: list[Block] = [
        _header("Delivery health (admins)"),
        _section(f"*Last 24 hours:* {summary}\n{waiting}"),
    ]
    if not health.failed:
        return [*blocks, _context("No failed events.")]
    latest = len(health.failed)
    blocks.append(
        _context(
            "The latest failed event:" if latest == 1 else f"The latest {latest} failed events:"
        )
    )
    return blocks + [_failed(event, health.now) for event in health.failed]


def _failed(event: Integration, now: datetime) -> Block:
    error = escape((event.error_message or "no error recorded").splitlines()[0][:200])
    what = f" {escape(event.source_id)}" if event.source_id else ""
    text = (
        f"*#{event.id}* {event.source_service} → {event.target_service} · "
        f"`{escape(event.event_key or event.event_type)}`{what} · "
        f"failed {_age(event.updated_at, now)} ago "
        f"after {event.attempts} attempt{'s' if event.attempts != 1 else ''}\n{error}"
    )
    button = {
        "type": "button",
        "action_id": RETRY,
        "text": {"type": "plain_text", "text": "Retry"},
        "value": str(event.id),
    }
    return _section(text, block_id=f"home_failed:{event.id}", accessory=button)


def _age(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"
