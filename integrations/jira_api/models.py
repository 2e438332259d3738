"""What the app needs to know about Jira objects, parsed from Jira's JSON (pure, no I/O).

createmeta comes in three shapes, all handled here:
- Cloud `issue/createmeta/{project}/issuetypes[/{id}]`: pages of `issueTypes` / `fields`
  (fields carry `fieldId`);
- Server/DC 8.4+ the same paths: pages of `values`;
- the old `issue/createmeta?expand=projects.issuetypes.fields` (Server < 8.4, and Cloud
  until its removal): `projects[].issuetypes[].fields` as a map keyed by field id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

RichText = str | dict[str, Any]
"""A description or comment body: wiki markup (API v2) or an ADF document (API v3)."""


@dataclass(frozen=True, slots=True)
class ProjectRef:
    id: str
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class IssueTypeInfo:
    id: str
    name: str
    subtask: bool = False


@dataclass(frozen=True, slots=True)
class AllowedValue:
    """One choice of a select-like field: `id` plus what Jira shows (`name` or `value`)."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field of the create screen of a project + issue type."""

    id: str
    name: str
    required: bool
    schema_type: str  # string, number, date, datetime, option, array, user, priority, ...
    items: str | None = None  # for arrays: string, option, component, version, ...
    custom: str | None = None  # e.g. com.atlassian.jira.plugin.system.customfieldtypes:select
    system: str | None = None
    allowed: tuple[AllowedValue, ...] = ()
    has_default: bool = False

    @property
    def needs_value(self) -> bool:
        """Required and without a default Jira would fill in."""
        return self.required and not self.has_default


@dataclass(frozen=True, slots=True)
class JiraUser:
    """A Jira person: `id` is the accountId (Cloud) or the user name (Server/DC); `key` the
    Server/DC user key."""

    id: str
    display_name: str
    email: str | None
    cloud: bool
    key: str | None = None

    def field_value(self) -> dict[str, str]:
        """How a user field (reporter, assignee) is set on this deployment."""
        return {"accountId": self.id} if self.cloud else {"name": self.id}


@dataclass(frozen=True, slots=True)
class CreatedIssue:
    key: str
    id: str
    url: str
    summary: str
    issue_type: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class ExistingComment:
    """A comment already on an issue, as a retry looks for the one its earlier attempt made.

    `text` is the body as plain searchable text: the wiki markup (API v2) as Jira returns
    it, or every text and link target of the ADF document (API v3) in document order.
    """

    id: str
    text: str

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ExistingComment:
        return cls(id=str(raw.get("id", "")), text=_plain(raw.get("body")))


def _plain(body: Any) -> str:
    """Wiki markup as is; an ADF node as its texts and link targets (`href`, `url`)."""
    if isinstance(body, str):
        return body
    if isinstance(body, Mapping):
        parts = [str(body[k]) for k in ("text", "href", "url") if isinstance(body.get(k), str)]
        parts += [_plain(body[k]) for k in ("attrs", "marks", "content") if k in body]
        return "".join(parts)
    if isinstance(body, list):
        return "".join(_plain(item) for item in body)
    return ""


def _allowed(raw: Iterable[Any]) -> tuple[AllowedValue, ...]:
    values = []
    for item in raw:
        if not isinstance(item, Mapping) or item.get("id") is None:
            continue
        label = item.get("name") or item.get("value") or item.get("key") or str(item["id"])
        values.append(AllowedValue(str(item["id"]), str(label)))
    return tuple(values)


def field_info(field_id: str, raw: Mapping[str, Any]) -> FieldInfo:
    schema = raw.get("schema") or {}
    return FieldInfo(
        id=field_id,
        name=str(raw.get("name") or field_id),
        required=bool(raw.get("required", False)),
        schema_type=str(schema.get("type") or "any"),
        items=schema.get("items"),
        custom=schema.get("custom"),
        system=schema.get("system"),
        allowed=_allowed(raw.get("allowedValues") or ()),
        has_default=bool(raw.get("hasDefaultValue", False)),
    )


def issue_type_info(raw: Mapping[str, Any]) -> IssueTypeInfo:
    return IssueTypeInfo(
        str(raw["id"]), str(raw.get("name") or raw["id"]), bool(raw.get("subtask"))
    )


def page_items(page: Mapping[str, Any], *keys: str) -> list[Any]:
    """The items of a createmeta page, whichever key this deployment uses."""
    for key in (*keys, "values"):
        items = page.get(key)
        if isinstance(items, list):
            return items
    return []


def fields_from_page(items: Iterable[Mapping[str, Any]]) -> list[FieldInfo]:
    return [
        field_info(str(item.get("fieldId") or item.get("key")), item)
        for item in items
        if item.get("fieldId") or item.get("key")
    ]


def legacy_issue_types(createmeta: Mapping[str, Any], project_key: str) -> list[Mapping[str, Any]]:
    """`projects[key].issuetypes` of an old-style createmeta answer."""
    for project in createmeta.get("projects") or ():
        if str(project.get("key")).upper() == project_key.upper():
            return list(project.get("issuetypes") or ())
    return []
