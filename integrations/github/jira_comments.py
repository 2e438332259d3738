"""A comment on the Jira issue a pull request names (`GITHUB_JIRA_COMMENTS=true`).

When a pull request whose title, branch or description names a Jira key (`PROJ-7`) is
opened, the issue gets a comment linking it; when it is merged, a second short one. Jira may
be down when GitHub calls, so the GitHub handler never talks to Jira itself: it records one
`github → jira` event per pull request, action and key (`event_type = "github:link_pr"`,
a `delivery_key` derived from the three, so a redelivered webhook records nothing new;
`ordering_key = "jira:PROJ-7"`), and the worker delivers it with `deliver_link` below.

Only known keys (`jira_keys.KnownJira`): the issue has a Slack thread, or its project is
subscribed to (`/ticket subscribe jira PROJ`) or is `JIRA_DEFAULT_PROJECT`. A Dependabot PR
("Fixes CVE-2021-23337", branch `dependabot/npm_and_yarn/lodash-4.17.21`) comments nowhere.

Never twice. Before commenting, the handler looks for the `comment_message` mapping of an
earlier attempt; on a retry (an attempt that timed out may have created the comment) it also
reads the issue's comments and adopts one that is this very comment. The mapping is stored
with `extra_data.origin = "github"`, so the Jira → Slack handler does not post the comment
back into Slack when Jira's webhook for it arrives; the shared `ordering_key` makes that
webhook wait until this event has finished (and stored the mapping).

Outcomes: Jira 429/5xx, timeouts and connection errors → `Retry` (Jira's `Retry-After` is
honoured); 404 (the key names no issue the integration can see: `HTTP-2`-like text that is
not a key, or a project it has no access to) → ignored with the reason; other 4xx → `Fail`.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from integrations.delivery import DeliveryContext, Done, Fail, Retry
from integrations.github.cards import object_id
from integrations.github.dispatch import GitHubEvent
from integrations.github.jira_keys import KnownJira, project_of
from integrations.github.jira_links import pr_jira_keys
from integrations.github.models import PullRequestEvent
from integrations.jira_api import (
    JiraGateway,
    JiraNotConfigured,
    JiraNotFound,
    JiraRejected,
    JiraUnavailable,
)
from settings import Settings
from storage.domain import Integration, MappingType, NewIntegration, Service

if TYPE_CHECKING:
    from storage import Repositories

log = logging.getLogger(__name__)

EVENT_TYPE = "github:link_pr"
ACTIONS = {"pull_request.opened": "opened", "pull_request.merged": "merged"}
"""The pull request events that comment on the Jira issues they name, and their verb."""
DELIVERY_KEY_LENGTH = 191  # `integration_logs.delivery_key`


class LinkRequest(BaseModel):
    """The payload of a `github:link_pr` event: everything the comment says."""

    key: str
    pull_request: str  # owner/repo#42
    action: str  # opened | merged
    title: str
    url: str
    login: str
    base: str

    @property
    def mapping_target(self) -> str:
        """The GitHub side of the comment's mapping: unique per pull request, action, key."""
        return f"{self.pull_request}/{self.action}/{self.key}"


def candidate_keys(event: GitHubEvent) -> tuple[str, ...]:
    """The key-shaped tokens of a pull request event that would comment: to look up."""
    model = event.model
    if event.key not in ACTIONS or not isinstance(model, PullRequestEvent):
        return ()
    return pr_jira_keys(model.pull_request)


def link_requests(event: GitHubEvent, known: KnownJira) -> tuple[LinkRequest, ...]:
    """The Jira comments a pull request event owes (pure): one per known key it names."""
    action = ACTIONS.get(event.key)
    model = event.model
    if action is None or not isinstance(model, PullRequestEvent):
        return ()
    pr = model.pull_request
    return tuple(
        LinkRequest(
            key=key,
            pull_request=object_id(model.repository, pr.number),
            action=action,
            title=pr.title,
            url=pr.html_url,
            login=model.sender.login,
            base=pr.base.ref,
        )
        for key in pr_jira_keys(pr, known)
    )


def known_jira(settings: Settings, repos: Repositories, keys: tuple[str, ...]) -> KnownJira:
    """Which of `keys` (and their projects) the integration knows: an issue thread, a Jira
    subscription, or the default project. One lookup per candidate, of which a PR has few."""
    default = (settings.jira_default_project or "").strip().upper()
    projects = {project_of(key) for key in keys}
    return KnownJira.of(
        projects=[
            p for p in projects if p == default or repos.subscriptions.matching(Service.JIRA, p)
        ],
        keys=[
            key
            for key in keys
            if repos.mappings.targets_of(MappingType.ISSUE_THREAD, Service.JIRA, key)
        ],
    )


def wiki_escape(text: str) -> str:
    """User text as literal Jira wiki markup: no links, mentions (`[~user]`) or macros."""
    for special in "[]{}":
        text = text.replace(special, "\\" + special)
    return text


def _says(request: LinkRequest) -> str:
    """What the comment says after the pull request's name (and title)."""
    who = wiki_escape(request.login)
    if request.action == "merged":
        return f"merged into {wiki_escape(request.base)} by {who}: "
    return f"opened by {who}: "


def comment_body(request: LinkRequest) -> str:
    """The comment, in Jira wiki markup (REST API v2); Jira links the bare URL.

    Opened: `Pull request owner/repo#42 <title> opened by <login>: <url>`; merged (short):
    `Pull request owner/repo#42 merged into <base> by <login>: <url>`.
    """
    name = f"Pull request {request.pull_request}"
    if request.action == "opened":
        name += " " + wiki_escape(request.title)
    return f"{name} {_says(request)}{request.url}"


def is_this_comment(request: LinkRequest, body: str) -> bool:
    """Whether an existing comment is the one `request` makes (looked for after a timeout).

    It names the pull request's URL and says what this request says ("opened by ...",
    "merged into ... by ..."); the title is left out of the comparison, so a title that
    reads like the other comment cannot make one look like the other. Escapes are ignored:
    Jira Cloud stores rich text as ADF and may hand back the markup written differently.
    """

    def plain(text: str) -> str:
        return text.replace("\\", "")

    rest = plain(body).replace(plain(request.title), "")
    return request.url in rest and plain(_says(request)) in rest


def delivery_key(request: LinkRequest) -> str:
    key = f"link_pr:{request.pull_request}:{request.action}:{request.key}"
    if len(key) <= DELIVERY_KEY_LENGTH:
        return key
    return "link_pr:" + hashlib.sha256(key.encode()).hexdigest()


def record_links(settings: Settings, repos: Repositories, event: GitHubEvent) -> list[str]:
    """Queue the Jira comments this event owes; returns the keys newly queued.

    Only for known keys (`known_jira`). Nothing when the setting is off, or when Jira is not
    configured: a queued event no
    worker can deliver would hold back the Jira → Slack events of its issue (same ordering
    key), so it is not recorded at all (and said once per event in the log).
    """
    if not settings.github_jira_comments:
        return []
    candidates = candidate_keys(event)
    if not candidates:
        return []
    requests = link_requests(event, known_jira(settings, repos, candidates))
    if not requests:
        return []
    if not settings.jira_configured:
        log.warning(
            "github.jira_comment_skipped reason=jira_not_configured keys=%s",
            ",".join(r.key for r in requests),
        )
        return []
    queued = []
    for request in requests:
        _, created = repos.integrations.record(
            NewIntegration(
                source_service=Service.GITHUB,
                target_service=Service.JIRA,
                event_type=EVENT_TYPE,
                payload=request.model_dump(),
                source_id=request.pull_request,
                delivery_key=delivery_key(request),
                ordering_key=f"jira:{request.key}",
            )
        )
        if created:
            queued.append(request.key)
    return queued


# Delivery -------------------------------------------------------------------------------


def deliver_link(event: Integration, context: DeliveryContext) -> Done:
    """Comment on the Jira issue (once), and remember the comment as made from GitHub."""
    if event.event_type != EVENT_TYPE:
        raise Fail(f"no github → jira delivery for event type {event.event_type!r}")
    try:
        request = LinkRequest.model_validate(event.payload)
    except ValidationError as exc:
        raise Fail(f"not a {EVENT_TYPE} payload ({exc.error_count()} field errors)") from None
    mappings = context.container.repos.mappings
    earlier = mappings.source_of(
        MappingType.COMMENT_MESSAGE, Service.GITHUB, request.mapping_target
    )
    if earlier is not None:
        return Done("completed", f"{earlier.source_id} already links it", earlier.source_id)

    jira = context.container.jira
    try:
        comment_id = _existing(jira, request) if context.is_retry else None
        if comment_id is None:
            comment_id = jira.add_comment(request.key, comment_body(request))
            adopted = False
        else:
            adopted = True
    except JiraUnavailable as exc:
        raise Retry(f"Jira: {exc}", exc.retry_after) from None
    except JiraNotFound as exc:
        log.info("github.jira_comment_no_issue key=%s integration=%s", request.key, event.id)
        return Done(
            "ignored",
            f"{request.key} is not a Jira issue the integration can see ({exc}): no comment",
        )
    except (JiraRejected, JiraNotConfigured) as exc:
        raise Fail(f"Jira refused the comment on {request.key}: {exc}") from None

    comment_ref = f"{request.key}/{comment_id}"
    mappings.link(
        MappingType.COMMENT_MESSAGE,
        Service.JIRA,
        comment_ref,
        Service.GITHUB,
        request.mapping_target,
        {"origin": "github", "integration_id": event.id},
    )
    log.info(
        "github.jira_commented integration=%s comment=%s pull_request=%s adopted=%s",
        event.id,
        comment_ref,
        request.pull_request,
        adopted,
    )
    how = "found the comment an earlier attempt made" if adopted else "commented"
    return Done(
        "completed",
        f"{how} on {request.key} ({comment_ref}) for {request.pull_request}",
        comment_ref,
    )


def _existing(jira: JiraGateway, request: LinkRequest) -> str | None:
    """The id of this comment if an earlier attempt made it (its answer never came)."""
    for comment in jira.comments(request.key):
        if is_this_comment(request, comment.text):
            return comment.id
    return None
