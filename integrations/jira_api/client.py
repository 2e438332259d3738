"""`JiraGateway`: the operations the app performs on Jira, over the `jira` library.

Why a wrapper and not `jira.JIRA` directly:
- `jira.JIRA(...)` calls `serverInfo` in its constructor; the gateway connects lazily (and
  again after a failure), so the app starts and keeps accepting work while Jira is down;
- the library retries 429/503 with sleeps of up to a minute; here it never retries
  (`max_retries=0`): interactive paths must answer within Slack's 3 s, and background work
  is retried by the delivery queue, which records every attempt;
- `JIRAError` leaks credentials in `str()`; every failure leaves as a safe `JiraError`;
- the library offers the paged createmeta endpoints (`issue/createmeta/{project}/issuetypes`)
  only for Server/DC 8.4+, while Jira Cloud serves them too (and deprecated the old
  `issue/createmeta?expand=projects.issuetypes.fields`). The gateway asks the paged
  endpoints on every deployment and falls back to the old one when they are missing
  (Server/DC before 8.4), as the library does by version.

Cloud authenticates with `JIRA_EMAIL` + `JIRA_API_TOKEN` (basic), Server/Data Center with
`JIRA_API_TOKEN` alone (a personal access token, bearer).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import requests
from jira import JIRA
from jira.exceptions import JIRAError

from integrations.jira_api.errors import (
    JiraError,
    JiraNotConfigured,
    JiraNotFound,
    translate,
)
from integrations.jira_api.issue_actions import IssueActions
from integrations.jira_api.models import (
    CreatedIssue,
    ExistingComment,
    FieldInfo,
    IssueTypeInfo,
    JiraUser,
    ProjectRef,
    RichText,
    field_info,
    fields_from_page,
    issue_type_info,
    legacy_issue_types,
    page_items,
)
from settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
PAGE_SIZE = 50
MAX_PAGES = 20


@dataclass(frozen=True, slots=True)
class JiraConfig:
    base_url: str
    api_token: str = field(repr=False)  # never in a repr, a log line or an error
    email: str | None = None  # set: Cloud basic auth; unset: Server/DC personal access token
    api_version: str = "2"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout: float = 10.0) -> JiraConfig | None:
        """The config from `Settings`, or `None` when Jira is not configured."""
        if settings.jira_base_url is None or settings.jira_api_token is None:
            return None
        return cls(
            base_url=settings.jira_base_url,
            api_token=settings.jira_api_token.get_secret_value(),
            email=settings.jira_email,
            timeout=timeout,
        )


class JiraGateway(IssueActions):
    """Thread-safe; one per process (or two: a short-timeout one for interactive paths)."""

    def __init__(self, config: JiraConfig | None) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._jira: JIRA | None = None

    @property
    def configured(self) -> bool:
        return self._config is not None

    @property
    def config(self) -> JiraConfig:
        if self._config is None:
            raise JiraNotConfigured("Jira is not configured (JIRA_BASE_URL, JIRA_API_TOKEN)")
        return self._config

    @property
    def rich_text_v3(self) -> bool:
        """Descriptions and comments are ADF (v3) rather than wiki markup (v2)."""
        return self.config.api_version == "3"

    def browse_url(self, key: str) -> str:
        return f"{self.config.base_url}/browse/{key}"

    # --- connection -----------------------------------------------------------------------

    def _client(self) -> JIRA:
        with self._lock:
            if self._jira is None:
                config = self.config
                auth: dict[str, Any] = (
                    {"basic_auth": (config.email, config.api_token)}
                    if config.email is not None
                    else {"token_auth": config.api_token}
                )
                try:
                    self._jira = JIRA(
                        server=config.base_url,
                        options={
                            "rest_api_version": config.api_version,
                            "check_update": False,
                        },
                        get_server_info=True,
                        max_retries=0,
                        timeout=config.timeout,
                        logging=False,
                        **auth,
                    )
                except (JIRAError, requests.RequestException) as error:
                    raise translate(error, timeout=config.timeout) from None
                log.info(
                    "jira.connected deployment=%s api=%s",
                    self._jira.deploymentType or "Server",
                    config.api_version,
                )
            return self._jira

    def _call(self, operation: Callable[[JIRA], T]) -> T:
        jira = self._client()
        try:
            return operation(jira)
        except (JIRAError, requests.RequestException) as error:
            raise translate(error, timeout=self.config.timeout) from None

    @property
    def is_cloud(self) -> bool:
        jira = self._client()
        return jira.deploymentType == "Cloud"

    # --- projects and create metadata -----------------------------------------------------

    def projects(self) -> list[ProjectRef]:
        raw = self._call(lambda jira: jira.projects())
        return [ProjectRef(str(p.id), str(p.key), str(getattr(p, "name", p.key))) for p in raw]

    def _pages(self, jira: JIRA, path: str, *keys: str) -> list[Any]:
        items: list[Any] = []
        for number in range(MAX_PAGES):
            page = jira._get_json(  # the library has no public call for these paths on Cloud
                path, params={"startAt": number * PAGE_SIZE, "maxResults": PAGE_SIZE}
            )
            chunk = page_items(page, *keys)
            items += chunk
            total = page.get("total")
            if (
                not chunk
                or page.get("isLast") is True
                or (isinstance(total, int) and len(items) >= total)
                or len(chunk) < PAGE_SIZE
            ):
                break
        return items

    def _legacy_createmeta(self, jira: JIRA, project: str, **filters: Any) -> list[Any]:
        answer = jira.createmeta(
            projectKeys=project, expand="projects.issuetypes.fields", **filters
        )
        return legacy_issue_types(answer, project)

    def issue_types(self, project: str) -> list[IssueTypeInfo]:
        """The issue types one can create in `project` (a key), in Jira's order."""

        def fetch(jira: JIRA) -> list[IssueTypeInfo]:
            try:
                raw = self._pages(jira, f"issue/createmeta/{project}/issuetypes", "issueTypes")
            except JIRAError as error:
                if error.status_code != 404 or not self._older_server(jira):
                    raise
                raw = self._legacy_createmeta(jira, project)
            return [issue_type_info(item) for item in raw]

        return self._call(fetch)

    def create_fields(self, project: str, issue_type_id: str) -> list[FieldInfo]:
        """The create-screen fields of `project` + issue type, with what each requires."""

        def fetch(jira: JIRA) -> list[FieldInfo]:
            try:
                raw = self._pages(
                    jira, f"issue/createmeta/{project}/issuetypes/{issue_type_id}", "fields"
                )
                return fields_from_page(raw)
            except JIRAError as error:
                if error.status_code != 404 or not self._older_server(jira):
                    raise
            for issue_type in self._legacy_createmeta(jira, project, issuetypeIds=[issue_type_id]):
                if str(issue_type.get("id")) == str(issue_type_id):
                    fields = issue_type.get("fields") or {}
                    return [field_info(fid, meta) for fid, meta in fields.items()]
            return []

        return self._call(fetch)

    @staticmethod
    def _older_server(jira: JIRA) -> bool:
        """Server/DC before 8.4 has no paged createmeta; anything else answering 404 means
        the project or issue type does not exist."""
        version = cast(tuple[int, ...], getattr(jira, "_version", (0, 0, 0)))
        return jira.deploymentType != "Cloud" and tuple(version) < (8, 4, 0)

    # --- issues ---------------------------------------------------------------------------

    def create_issue(self, fields: dict[str, Any]) -> CreatedIssue:
        """Create an issue; `fields` are as the REST API takes them (project as `{"key"}`)."""
        created = self._call(lambda jira: jira.create_issue(fields=fields, prefetch=False))
        key, issue_id = str(created.key), str(created.id)
        summary = str(fields.get("summary", ""))
        issue_type = status = None
        try:
            # The created issue's type name and initial status; the issue exists whether
            # or not this read succeeds, so its failure must not turn creation into failure.
            issue = self._call(lambda jira: jira.issue(key, fields="summary,status,issuetype"))
            summary = str(issue.fields.summary)
            issue_type = str(issue.fields.issuetype.name)
            status = str(issue.fields.status.name)
        except JiraError as error:
            log.warning("jira.issue_read_failed key=%s error=%s", key, error)
        return CreatedIssue(key, issue_id, self.browse_url(key), summary, issue_type, status)

    def get_issue(self, key: str) -> CreatedIssue:
        """The key facts of an existing issue (to announce it again after a failure)."""
        issue = self._call(lambda jira: jira.issue(key, fields="summary,status,issuetype"))
        return CreatedIssue(
            key=str(issue.key),
            id=str(issue.id),
            url=self.browse_url(str(issue.key)),
            summary=str(issue.fields.summary),
            issue_type=str(issue.fields.issuetype.name),
            status=str(issue.fields.status.name),
        )

    # --- users ----------------------------------------------------------------------------

    def find_user_by_email(self, email: str) -> JiraUser | None:
        """The active Jira user with this email address, if Jira lets us find them.

        Cloud searches by `query` (often without showing the address: then one hit is
        taken as the match); Server/DC by `username`, which matches addresses too.
        """
        cloud = self.is_cloud

        def search(jira: JIRA) -> list[Any]:
            if cloud:
                return list(jira.search_users(query=email, maxResults=10))
            return list(jira.search_users(user=email, maxResults=10))

        found = self._call(search)
        wanted = email.strip().lower()
        exact = [u for u in found if str(getattr(u, "emailAddress", "")).lower() == wanted]
        hidden = [u for u in found if not getattr(u, "emailAddress", None)]
        match = exact[0] if exact else (hidden[0] if len(found) == 1 and hidden else None)
        if match is None:
            return None
        return _jira_user(match, cloud)

    def find_users_by_name(self, name: str) -> list[JiraUser]:
        """The active users whose display name is exactly `name` (ignoring case).

        For people whose email Jira hides (common on Cloud): one hit is a weak match."""
        cloud = self.is_cloud
        wanted = name.strip().casefold()

        def search(jira: JIRA) -> list[Any]:
            if cloud:
                return list(jira.search_users(query=name, maxResults=50))
            return list(jira.search_users(user=name, maxResults=50))

        found = self._call(search)
        return [
            _jira_user(u, cloud)
            for u in found
            if str(getattr(u, "displayName", "")).strip().casefold() == wanted
        ]

    def user(self, ref: str) -> JiraUser | None:
        """The user with this account id (Cloud) or user name (Server/DC), if any."""
        cloud = self.is_cloud
        try:
            found = self._call(lambda jira: jira.user(ref))
        except JiraNotFound:
            return None
        return _jira_user(found, cloud)

    # --- comments -------------------------------------------------------------------------

    def add_comment(self, key: str, body: RichText) -> str:
        """Add a comment as the integration's account; returns the comment id."""
        comment = self._call(lambda jira: jira.add_comment(key, cast(str, body)))
        return str(comment.id)

    def comments(self, key: str) -> list[ExistingComment]:
        """The comments on `key` (Jira's first page: up to 5000 on Cloud, all on Server)."""
        found = self._call(lambda jira: jira.comments(key))
        return [ExistingComment.from_json(getattr(c, "raw", None) or {}) for c in found]

    def update_comment(self, key: str, comment_id: str, body: RichText) -> None:
        def update(jira: JIRA) -> None:
            comment = jira.comment(key, comment_id)
            comment.update(body=cast(str, body))

        self._call(update)

    def delete_comment(self, key: str, comment_id: str) -> bool:
        """Delete a comment; `False` when it was already gone."""

        def delete(jira: JIRA) -> None:
            jira.comment(key, comment_id).delete()

        try:
            self._call(delete)
        except JiraNotFound:
            return False
        return True


def _jira_user(user: Any, cloud: bool) -> JiraUser:
    identifier = str(user.accountId if cloud else user.name)
    return JiraUser(
        id=identifier,
        display_name=str(getattr(user, "displayName", identifier)),
        email=getattr(user, "emailAddress", None),
        cloud=cloud,
        key=None if cloud else getattr(user, "key", None),
    )
