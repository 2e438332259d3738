"""The fields of Jira webhook payloads this app reads, validated once at the boundary.

Jira Cloud and Server/Data Center payloads differ in what they carry (Cloud users have
`accountId`, Server ones `name`/`key`; Cloud comment events carry a reduced issue; Server's
standalone comment events carry no issue at all), so nearly everything is optional, unknown
fields are ignored, and ids are accepted as numbers or strings. Required is only what no post
can do without: the issue's key (when there is an issue) and a change's field (its `field`,
else its `fieldId`; a change naming neither is left out). A comment event whose comment has
no id is ignored by `dispatch.classify` (its reply could be neither keyed nor told apart
from a comment the app made itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)


class User(_Model):
    account_id: str | None = Field(default=None, alias="accountId")
    name: str | None = None
    key: str | None = None
    display_name: str | None = Field(default=None, alias="displayName")
    email: str | None = Field(default=None, alias="emailAddress")

    @property
    def refs(self) -> tuple[str, ...]:
        """Every identifier a mention of this user may use."""
        return tuple(r for r in (self.account_id, self.name, self.key) if r)

    @property
    def label(self) -> str:
        return self.display_name or self.name or self.key or "Someone"


class Named(_Model):
    name: str | None = None


class StatusCategory(_Model):
    key: str | None = None


class IssueStatus(Named):
    category: StatusCategory | None = Field(default=None, alias="statusCategory")


class Project(_Model):
    key: str | None = None
    name: str | None = None


class IssueFields(_Model):
    summary: str | None = None
    status: IssueStatus | None = None
    assignee: User | None = None
    reporter: User | None = None
    priority: Named | None = None
    issuetype: Named | None = None
    resolution: Named | None = None
    project: Project | None = None
    labels: list[str] | None = None
    description: str | dict[str, Any] | None = None

    def has(self, name: str) -> bool:
        """Whether the payload said anything about `name` (null counts; absent does not)."""
        return name in self.model_fields_set


class Issue(_Model):
    id: str | None = None
    key: str
    self_url: str | None = Field(default=None, alias="self")
    fields: IssueFields = IssueFields()

    @property
    def project_key(self) -> str:
        if self.fields.project and self.fields.project.key:
            return self.fields.project.key
        return self.key.rsplit("-", 1)[0]

    @property
    def browse_url(self) -> str | None:
        """`https://site/browse/KEY`, from the REST `self` link of the issue."""
        if not self.self_url or "/rest/api/" not in self.self_url:
            return None
        return self.self_url.split("/rest/api/", 1)[0] + "/browse/" + self.key


class Comment(_Model):
    id: str | None = None
    body: str | dict[str, Any] | None = None
    author: User | None = None
    update_author: User | None = Field(default=None, alias="updateAuthor")
    created: str | None = None
    updated: str | None = None

    @property
    def was_edited(self) -> bool:
        return bool(self.created and self.updated and self.created != self.updated)


class ChangeItem(_Model):
    field: str
    fieldtype: str | None = None
    field_id: str | None = Field(default=None, alias="fieldId")
    from_value: str | None = Field(default=None, alias="from")
    from_string: str | None = Field(default=None, alias="fromString")
    to_value: str | None = Field(default=None, alias="to")
    to_string: str | None = Field(default=None, alias="toString")

    @model_validator(mode="before")
    @classmethod
    def _field_from_id(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not data.get("field") and data.get("fieldId"):
            return {**data, "field": data["fieldId"]}
        return data

    @property
    def is_custom(self) -> bool:
        return self.fieldtype == "custom"


def _named_changes(items: Any) -> Any:
    """Changes that say which field changed (a change without one tells nothing)."""
    if not isinstance(items, list):
        return items
    return [
        i
        for i in items
        if not isinstance(i, Mapping)
        or any(i.get(k) not in (None, "") for k in ("field", "fieldId"))
    ]


class Changelog(_Model):
    items: Annotated[list[ChangeItem], BeforeValidator(_named_changes)] = []


class JiraWebhook(_Model):
    webhook_event: str = Field(alias="webhookEvent")
    issue_event_type_name: str | None = None
    timestamp: int | None = None
    user: User | None = None
    issue: Issue | None = None
    comment: Comment | None = None
    changelog: Changelog | None = None

    @property
    def changes(self) -> list[ChangeItem]:
        return list(self.changelog.items) if self.changelog else []

    def users(self) -> list[User]:
        """Every user the payload describes (to resolve mentions without asking Jira)."""
        found = [self.user]
        if self.issue is not None:
            found += [self.issue.fields.assignee, self.issue.fields.reporter]
        if self.comment is not None:
            found += [self.comment.author, self.comment.update_author]
        return [u for u in found if u is not None]


def unreadable(event: str, exc: ValidationError) -> str:
    """Why a payload cannot be posted, naming the first field at fault (never its value)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "payload"
    return f"{event} payload: {where}: {first['msg']}"
