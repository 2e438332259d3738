"""`HomeService`: gathers what one person's App Home shows, and publishes it (`views.publish`).

Fast enough for a tab people open often: the people table and the review requests are local
reads; Jira is asked twice (assigned to, reported by; open issues, at most `ISSUE_LIMIT`
each) with the interactive gateway's short timeout, and a Jira that does not answer in time
is one line on the Home, not an error. Admins (`CONNECT_ADMINS`) also see delivery health,
and may *Retry* a failed event: it is re-queued as `POST /api/v1/integrations/<id>/retry`
does, after checking again that the person pressing is an admin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import ValidationError

from integrations.home.facts import HomeFacts, JiraIssues
from integrations.home.view import DMS_ON, home_view
from integrations.jira.models import Issue
from integrations.jira_api import JiraError, JiraGateway, JiraUser
from integrations.people import Directory
from integrations.people.notify import KINDS
from integrations.slack.errors import SlackFailure
from integrations.slack.writer import SlackWriter
from settings import Settings
from storage import Repositories
from storage.domain import Conflict, NotFound, Notifications, PendingReview, Service

log = logging.getLogger(__name__)

ISSUE_LIMIT = 20
REVIEW_LIMIT = 20
OPEN = "statusCategory != Done ORDER BY updated DESC"


def jql_for(field: str, account: JiraUser) -> str:
    """`assignee = "…" AND …`: the person's open issues, as Jira names them (Cloud account
    id, Server user name)."""
    ref = account.id.replace("\\", "\\\\").replace('"', '\\"')
    return f'{field} = "{ref}" AND {OPEN}'


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    done: bool
    text: str


class HomeService:
    def __init__(
        self,
        *,
        settings: Settings,
        repos: Repositories,
        jira: JiraGateway,
        people: Directory,
        slack: SlackWriter,
    ) -> None:
        self._settings = settings
        self._repos = repos
        self._jira = jira
        self._people = people
        self._slack = slack

    def is_admin(self, user_id: str) -> bool:
        return user_id in self._settings.connect_admins

    # --- publishing -------------------------------------------------------------------------

    def publish(self, user_id: str, notice: str | None = None) -> bool:
        """Draw the person's Home now; False when Slack refused it (logged)."""
        view = home_view(self.facts(user_id, notice))
        try:
            self._slack.call(self._slack.client.views_publish, user_id=user_id, view=view)
        except SlackFailure as error:
            log.warning("home.publish_failed user=%s error=%s", user_id, error.code)
            return False
        return True

    def facts(self, user_id: str, notice: str | None = None) -> HomeFacts:
        person = self._people.stored(user_id)
        account, jira = self._jira_issues(user_id)
        login = person.github_login if person is not None else None
        reviews = self._reviews(login) if login else ()
        authors = {r.author for r in reviews if r.author}
        return HomeFacts(
            user_id=user_id,
            jira_configured=self._jira.configured,
            jira_linked=account is not None,
            jira=jira,
            github_login=login,
            reviews=reviews,
            people=self._people.slack_ids_of_github(authors) if authors else {},
            notifications=person.notifications if person is not None else Notifications(),
            health=self._repos.health.read() if self.is_admin(user_id) else None,
            notice=notice,
        )

    def _jira_issues(self, user_id: str) -> tuple[JiraUser | None, JiraIssues | None]:
        if not self._jira.configured:
            return None, None
        try:
            account = self._people.jira_account(user_id)
        except JiraError as error:  # matching by email needs Jira: it did not answer
            log.warning("home.jira_unanswered user=%s error=%s", user_id, error)
            return None, JiraIssues(answered=False)
        if account is None:
            return None, None
        try:
            assigned = self._search(jql_for("assignee", account))
            reported = self._search(jql_for("reporter", account))
        except JiraError as error:
            log.warning("home.jira_unanswered user=%s error=%s", user_id, error)
            return account, JiraIssues(answered=False)
        return account, JiraIssues(assigned, reported)

    def _search(self, jql: str) -> tuple[Issue, ...]:
        found = []
        for raw in self._jira.search(jql, ISSUE_LIMIT):
            try:
                found.append(Issue.model_validate(raw))
            except ValidationError:
                continue
        return tuple(found[:ISSUE_LIMIT])

    def _reviews(self, login: str) -> tuple[PendingReview, ...]:
        """Those in repositories a channel subscribes to (or their owner)."""
        pending = self._repos.reviews.awaiting(login, limit=REVIEW_LIMIT * 3)
        subscribed: dict[str, bool] = {}
        kept = []
        for review in pending:
            if review.repository not in subscribed:
                matching = self._repos.subscriptions.matching(Service.GITHUB, review.repository)
                subscribed[review.repository] = bool(matching)
            if subscribed[review.repository]:
                kept.append(review)
        return tuple(kept[:REVIEW_LIMIT])

    # --- what the Home's own elements do ----------------------------------------------------

    def set_notifications(self, user_id: str, ticked: set[str]) -> str:
        """Apply the notification checkboxes as ticked now; what changed, in a line."""
        people = self._repos.people
        person = people.get(user_id)
        before = person.notifications if person is not None else Notifications()
        enabled = DMS_ON in ticked
        if enabled != before.enabled:
            people.set_notifications(user_id, enabled=enabled)
        for kind in KINDS:
            on = kind.value in ticked
            if on != (kind not in before.off):
                people.set_notifications(user_id, kind=kind, on=on)
        if enabled and not before.enabled:
            return ":white_check_mark: Direct messages are on."
        if not enabled and before.enabled:
            return "Direct messages are off: I will not DM you."
        return ":white_check_mark: Saved."

    def retry(self, user_id: str, integration_id: int) -> RetryOutcome:
        """Re-queue a failed event (as the API's replay does); only for admins."""
        if not self.is_admin(user_id):
            log.warning("home.retry_refused user=%s integration=%s", user_id, integration_id)
            return RetryOutcome(
                False, ":no_entry: Only the app's admins (`CONNECT_ADMINS`) may retry events."
            )
        try:
            self._repos.integrations.retry(integration_id)
        except NotFound:
            return RetryOutcome(False, f"Event #{integration_id} is gone.")
        except Conflict:
            return RetryOutcome(
                False, f"Event #{integration_id} is no longer failed: nothing to retry."
            )
        log.info("home.retried user=%s integration=%s", user_id, integration_id)
        return RetryOutcome(
            True, f":repeat: Event #{integration_id} is queued again: it is delivered in a moment."
        )
