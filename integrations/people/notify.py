"""`/ticket notify …`: each person's direct-message settings, and how they read.

Off until the person opts in (`/ticket notify on`); once on, every kind is on until they
switch it off (`/ticket notify mentions off`). The settings are stored per person
(`people.notify`, `people.notify_off`); the DMs themselves are `integrations.notifications`.
"""

from __future__ import annotations

from contextlib import suppress

from integrations.jira_api import JiraError
from integrations.people.directory import Directory
from storage.domain import Notifications, NotifyKind, Person
from storage.people import PeopleRepository

KINDS: dict[NotifyKind, str] = {
    NotifyKind.REVIEW_REQUESTS: "your review is requested on a pull request",
    NotifyKind.ASSIGNED: "a Jira issue (or a GitHub issue or pull request) is assigned to you",
    NotifyKind.MENTIONS: "you are mentioned in a Jira or GitHub comment",
    NotifyKind.MY_PRS: "a pull request of yours is approved, gets changes requested, or is merged",
}
USAGE = (
    "Use `/ticket notify on|off`, or `/ticket notify <kind> on|off` with a kind of "
    + ", ".join(f"`{kind.value}`" for kind in KINDS)
    + "."
)
SWITCH = {"on": True, "off": False}


def summary(notifications: Notifications) -> str:
    """The settings in one line (for `/ticket whoami`)."""
    if not notifications.enabled:
        return (
            "*Notifications:* off — `/ticket notify on` for DMs about your reviews, "
            "assignments and mentions"
        )
    kinds = [f"`{kind.value}`" for kind in KINDS if kind not in notifications.off]
    return "*Notifications:* on for " + (", ".join(kinds) or "no kind") + " — `/ticket notify`"


def describe(notifications: Notifications) -> list[str]:
    """The settings as mrkdwn lines (for `/ticket notify` and `/ticket whoami`)."""
    if notifications.enabled:
        head = "*Notifications:* on — I DM you when (`/ticket notify off` stops them):"
    else:
        head = "*Notifications:* off — `/ticket notify on` and I DM you when:"
    lines = [head]
    for kind, when in KINDS.items():
        state = "on" if kind not in notifications.off else "off"
        lines.append(f"• `{kind.value}` ({state}): {when}")
    return lines


def _links_hint(person: Person) -> list[str]:
    missing = []
    if not person.github_login:
        missing.append("`/ticket link github <login>` (GitHub cannot tell me who you are)")
    if not person.jira_account_id:
        missing.append("`/ticket link jira <email>` if your Jira email differs from Slack's")
    return ["To be found: " + "; ".join(missing) + "."] if missing else []


class NotifySettings:
    """Switching on also matches the person's Jira account now (as `/ticket whoami` does),
    so a Jira event names them from the first one on."""

    def __init__(self, directory: Directory, people: PeopleRepository) -> None:
        self._directory = directory
        self._people = people

    def command(self, slack_user_id: str, args: str) -> str:
        """The answer to `/ticket notify <args>`, having applied it."""
        words = args.lower().split()
        if not words:
            person = self._people.get(slack_user_id)
            notifications = person.notifications if person else Notifications()
            hint = _links_hint(person) if person else []
            return "\n".join([*describe(notifications), *hint, USAGE])
        if len(words) == 1 and words[0] in SWITCH:
            enabled = SWITCH[words[0]]
            person = self._people.set_notifications(slack_user_id, enabled=enabled)
            if not enabled:
                return "Notifications are off: I will not DM you (`/ticket notify on` again)."
            with suppress(JiraError):  # not configured or not answering: matched later
                self._directory.jira_account(slack_user_id)
            person = self._people.get(slack_user_id) or person
            return "\n".join([*describe(person.notifications), *_links_hint(person)])
        kinds = {kind.value: kind for kind in KINDS}
        if len(words) == 2 and words[0] in kinds and words[1] in SWITCH:
            kind, on = kinds[words[0]], SWITCH[words[1]]
            person = self._people.set_notifications(slack_user_id, kind=kind, on=on)
            done = f"`{kind.value}` notifications are {words[1]}."
            if on and not person.notifications.enabled:
                done += " Notifications are off for you as a whole: `/ticket notify on`."
            return "\n".join([done, *describe(person.notifications)])
        return USAGE
