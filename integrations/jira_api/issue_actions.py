"""What a person does to an issue from its Slack card, and the check that they may.

`IssueActions` is mixed into `JiraGateway` (it calls the gateway's `_call` and `is_cloud`):
the issue as the REST API shows it, the transitions Jira offers now (with their screen
fields), a transition, an assignment, and Jira's own permission check for another user.

Permission check: `GET /rest/api/2/user/permission/search` with `permissions`, `issueKey`
and, on Cloud, `accountId` (GDPR strict mode has no user names) or, on Server/Data Center,
`username`. Jira answers the users matching the search who hold every permission asked for
in the issue's project (its permission scheme, security level and workflow conditions
aside): the person holds it when they are in the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from jira import JIRA

from integrations.jira_api.models import FieldInfo, JiraUser, field_info

T = TypeVar("T")

TRANSITION_ISSUES = "TRANSITION_ISSUES"
ASSIGN_ISSUES = "ASSIGN_ISSUES"
ADD_COMMENTS = "ADD_COMMENTS"


@dataclass(frozen=True, slots=True)
class Transition:
    """A transition Jira offers for an issue now; `fields`: its screen's fields."""

    id: str
    name: str
    to_status: str
    fields: tuple[FieldInfo, ...] = ()

    @property
    def needs_input(self) -> tuple[FieldInfo, ...]:
        """The screen's required fields without a default."""
        return tuple(f for f in self.fields if f.needs_value)


def transition_from_json(raw: Mapping[str, Any]) -> Transition:
    fields = raw.get("fields") or {}
    to = raw.get("to") or {}
    return Transition(
        id=str(raw.get("id")),
        name=str(raw.get("name") or raw.get("id")),
        to_status=str(to.get("name") or raw.get("name") or ""),
        fields=tuple(field_info(str(fid), meta) for fid, meta in fields.items()),
    )


class IssueActions:
    """The card's operations; `JiraGateway` provides `_call` and `is_cloud`."""

    def _call(self, operation: Callable[[JIRA], T]) -> T:
        raise NotImplementedError

    @property
    def is_cloud(self) -> bool:
        raise NotImplementedError

    def issue_json(self, key: str) -> dict[str, Any]:
        """The issue as `GET /rest/api/2/issue/{key}` shows it (the shape webhooks carry)."""
        fields = "summary,status,assignee,priority,issuetype,resolution,project,labels"
        return self._call(lambda jira: dict(jira.issue(key, fields=fields).raw))

    def transitions(self, key: str) -> list[Transition]:
        """The transitions of `key` now, with their screen fields
        (`expand=transitions.fields`)."""

        def fetch(jira: JIRA) -> list[Any]:
            answer = jira._get_json(  # the library drops `fields` from its Transition objects
                f"issue/{key}/transitions", params={"expand": "transitions.fields"}
            )
            return list(answer.get("transitions") or [])

        return [transition_from_json(raw) for raw in self._call(fetch)]

    def transition(self, key: str, transition_id: str, fields: dict[str, Any]) -> None:
        self._call(lambda jira: jira.transition_issue(key, transition_id, fields=fields))

    def assign(self, key: str, user: JiraUser) -> None:
        """`PUT /issue/{key}/assignee` with the user as this deployment names them."""

        def put(jira: JIRA) -> None:
            session = jira._session  # the library's `assign_issue` searches users first
            assert session is not None  # set by the constructor
            session.put(jira._get_url(f"issue/{key}/assignee"), data=json.dumps(user.field_value()))

        self._call(put)

    def holds_permission(self, key: str, user: JiraUser, permission: str) -> bool:
        """Whether `user` holds `permission` on `key` (Jira's permission search)."""
        params = {"permissions": permission, "issueKey": key, "maxResults": 50}
        if user.cloud:
            params["accountId"] = user.id
        else:
            params["username"] = user.id

        def search(jira: JIRA) -> list[Any]:
            return list(jira._get_json("user/permission/search", params=params) or [])

        found = self._call(search)
        ref = "accountId" if user.cloud else "name"
        return any(isinstance(u, Mapping) and str(u.get(ref)) == user.id for u in found)

    def search(self, jql: str, limit: int) -> list[dict[str, Any]]:
        """The issues `jql` finds, at most `limit`, as the REST API shows them (summary,
        status, priority, issue type, assignee, reporter). Cloud: `GET search/jql` (its old
        `search` is gone); Server/Data Center: `GET search`."""
        params = {
            "jql": jql,
            "maxResults": limit,
            "fields": "summary,status,priority,issuetype,assignee,reporter,updated",
        }
        path = "search/jql" if self.is_cloud else "search"
        answer = self._call(lambda jira: jira._get_json(path, params=params))
        return [dict(raw) for raw in (answer or {}).get("issues") or [] if isinstance(raw, dict)]
