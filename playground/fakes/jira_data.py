"""The fake Jira's data: projects from the shared createmeta corpus, users, issues, ADF.

Projects, issue types and their create-screen fields come from the real createmeta answers in
``shared/corpora/jira-rest`` (Cloud: project ``KT``; Server: project ``HEY``; plus the other
project keys and issue types listed in the ``*-get-jira-project-metadata.json`` files, which
borrow the fields of the same-named issue type). The corpus URLs (``mmtest.atlassian.net``,
``localhost:8080``) are rewritten to the fake's own URL when served.

Rich text: REST API v2 carries wiki-markup strings, v3 (Cloud only) carries Atlassian
Document Format. The fake stores what it was given and converts when asked in the other
version, as Jira does (roughly: paragraphs and hard breaks).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHARED_DIR = Path(__file__).resolve().parents[3] / "shared"
CORPUS_DIR = SHARED_DIR / "corpora" / "jira-rest"
CORPUS_HOSTS = ("https://mmtest.atlassian.net", "http://localhost:8080")
CORPUS_FILES = {
    "cloud": (
        "cloud-get-create-issue-metadata-for-project-many-fields.json",
        "cloud-get-jira-project-metadata.json",
    ),
    "server": (
        "server-get-create-issue-metadata-for-project-many-fields.json",
        "server-get-jira-project-metadata.json",
    ),
}
URL_PLACEHOLDER = "{base}"

# --- Atlassian Document Format ------------------------------------------------------------


def is_adf(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )


def _inline_text(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return str(node.get("attrs", {}).get("text", ""))
    if kind in ("inlineCard", "blockCard"):
        return str(node.get("attrs", {}).get("url", ""))
    if kind == "emoji":
        return str(node.get("attrs", {}).get("shortName", ""))
    return "".join(_inline_text(child) for child in node.get("content", []))


def adf_to_text(doc: Any) -> str:
    """Plain text of an ADF document: one line per block, hard breaks kept."""
    if not is_adf(doc):
        return ""
    return "\n".join(_inline_text(block) for block in doc["content"])


def text_to_adf(text: str) -> dict[str, Any]:
    """An ADF document with one paragraph per line (empty lines dropped)."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.split("\n")
        if line
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def render_rich(value: Any, version: str) -> Any:
    """A stored rich-text value as API ``version`` shows it."""
    if value is None:
        return None
    if version == "3":
        return value if is_adf(value) else text_to_adf(str(value))
    return adf_to_text(value) if is_adf(value) else value


def plain_text(value: Any) -> str:
    """A stored rich-text value as plain text (for assertions)."""
    return adf_to_text(value) if is_adf(value) else ("" if value is None else str(value))


# --- model --------------------------------------------------------------------------------


@dataclass
class JiraUser:
    account_id: str
    name: str
    key: str
    display_name: str
    email: str | None
    active: bool = True
    email_visible: bool = True

    def to_api(self, base: str, deployment: str, version: str) -> dict[str, Any]:
        avatars = {
            size: f"{base}/secure/useravatar?size={size}&ownerId={self.key}"
            for size in ("48x48", "24x24", "16x16", "32x32")
        }
        if deployment == "cloud":
            out: dict[str, Any] = {
                "self": f"{base}/rest/api/{version}/user?accountId={self.account_id}",
                "accountId": self.account_id,
                "accountType": "atlassian",
            }
        else:
            out = {
                "self": f"{base}/rest/api/{version}/user?username={self.name}",
                "key": self.key,
                "name": self.name,
            }
        if self.email is not None and self.email_visible:
            out["emailAddress"] = self.email
        out.update(
            {
                "avatarUrls": avatars,
                "displayName": self.display_name,
                "active": self.active,
                "timeZone": "Europe/Berlin",
            }
        )
        if deployment == "cloud":
            out["locale"] = "en_US"
        return out


@dataclass
class IssueType:
    id: str
    name: str
    description: str
    subtask: bool
    fields: dict[str, dict[str, Any]]
    """Create-screen field metadata by field id, as createmeta shows it (with ``{base}`` URLs)."""

    def to_api(self, base: str, version: str) -> dict[str, Any]:
        return {
            "self": f"{base}/rest/api/{version}/issuetype/{self.id}",
            "id": self.id,
            "description": self.description,
            "iconUrl": f"{base}/secure/viewavatar?size=medium&avatarId=10318&avatarType=issuetype",
            "name": self.name,
            "subtask": self.subtask,
            "avatarId": 10318,
            "hierarchyLevel": -1 if self.subtask else 0,
        }


@dataclass
class Project:
    id: str
    key: str
    name: str
    issue_types: list[IssueType]

    def issue_type(self, ref: Any) -> IssueType | None:
        """The issue type named by ``{"id": ...}`` / ``{"name": ...}`` / an id string."""
        if isinstance(ref, dict):
            wanted_id, wanted_name = ref.get("id"), ref.get("name")
        else:
            wanted_id, wanted_name = ref, None
        for issue_type in self.issue_types:
            if wanted_id is not None and str(wanted_id) == issue_type.id:
                return issue_type
            if wanted_name is not None and wanted_name == issue_type.name:
                return issue_type
        return None

    def to_api(self, base: str, version: str, deployment: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": f"{base}/rest/api/{version}/project/{self.id}",
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "description": "",
            "issueTypes": [t.to_api(base, version) for t in self.issue_types],
            "assigneeType": "UNASSIGNED",
            "versions": [],
            "components": [],
            "avatarUrls": {
                size: f"{base}/secure/projectavatar?size={size}&pid={self.id}"
                for size in ("48x48", "24x24", "16x16", "32x32")
            },
            "projectTypeKey": "software",
            "archived": False,
        }
        if deployment == "cloud":
            out.update({"simplified": False, "style": "classic", "isPrivate": False})
        return out


@dataclass
class Comment:
    id: str
    body: Any
    author: JiraUser
    update_author: JiraUser
    created: str
    updated: str
    visibility: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return plain_text(self.body)


@dataclass
class RemoteLink:
    id: int
    body: dict[str, Any]


@dataclass
class Issue:
    id: str
    key: str
    project: Project
    issue_type: IssueType
    fields: dict[str, Any]
    """Field values as the client sent them (validated), plus reporter/creator/priority."""
    status: str
    created: str
    updated: str
    comments: list[Comment] = field(default_factory=list)
    remote_links: list[RemoteLink] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return str(self.fields.get("summary", ""))

    @property
    def description(self) -> str:
        """The description as plain text, whichever API version set it."""
        return plain_text(self.fields.get("description"))


# --- corpus -------------------------------------------------------------------------------


def _templated(value: Any) -> Any:
    """``value`` with the corpus hosts replaced by ``{base}``."""
    text = json.dumps(value)
    for host in CORPUS_HOSTS:
        text = text.replace(host, URL_PLACEHOLDER)
    return json.loads(text)


def with_base(value: Any, base: str) -> Any:
    """``value`` with ``{base}`` replaced by the fake's URL."""
    return json.loads(json.dumps(value).replace(URL_PLACEHOLDER, base))


def _field_metas(raw_fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    metas: dict[str, dict[str, Any]] = {}
    for field_id, meta in raw_fields.items():
        meta = _templated(meta)
        meta.setdefault("key", field_id)
        metas[field_id] = meta
    return metas


def load_projects(deployment: str, corpus_dir: Path = CORPUS_DIR) -> list[Project]:
    """The corpus projects for ``deployment`` ("cloud" or "server")."""
    createmeta_file, projects_file = CORPUS_FILES[deployment]
    createmeta = json.loads((corpus_dir / createmeta_file).read_text())
    projects: list[Project] = []
    templates: dict[str, IssueType] = {}
    for raw in createmeta["projects"]:
        issue_types = [
            IssueType(
                id=str(it["id"]),
                name=it["name"],
                description=it.get("description", ""),
                subtask=bool(it.get("subtask", False)),
                fields=_field_metas(it.get("fields", {})),
            )
            for it in raw["issuetypes"]
        ]
        for issue_type in issue_types:
            templates.setdefault(issue_type.name, issue_type)
        projects.append(Project(str(raw["id"]), raw["key"], raw["name"], issue_types))

    listing = json.loads((corpus_dir / projects_file).read_text())
    known = {p.key for p in projects}
    fallback = templates.get("Task") or next(iter(templates.values()))
    next_id = 10100
    for entry in listing["projects"]:
        key = entry["value"]
        if key in known:
            continue
        issue_types = []
        for it in listing["issues_per_project"].get(key, []):
            template = templates.get(it["label"].strip(), fallback)
            issue_types.append(
                IssueType(
                    id=str(it["value"]),
                    name=it["label"].strip(),
                    description=template.description,
                    subtask=template.subtask,
                    fields=copy.deepcopy(template.fields),
                )
            )
        projects.append(Project(str(next_id), key, entry["label"], issue_types))
        next_id += 1
    return projects


def simple_fields(deployment: str) -> dict[str, dict[str, Any]]:
    """Create-screen fields of a plain project: only summary (and project/issuetype) required."""

    def meta(field_id: str, name: str, schema: dict[str, Any], required: bool = False) -> dict:
        return {
            "required": required,
            "schema": schema,
            "name": name,
            "key": field_id,
            "hasDefaultValue": False,
            "operations": ["set"],
        }

    user_search = (
        "{base}/rest/api/2/user/assignable/search?query="
        if deployment == "cloud"
        else "{base}/rest/api/latest/user/assignable/search?username="
    )
    fields = {
        "summary": meta("summary", "Summary", {"type": "string", "system": "summary"}, True),
        "issuetype": meta(
            "issuetype", "Issue Type", {"type": "issuetype", "system": "issuetype"}, True
        ),
        "project": meta("project", "Project", {"type": "project", "system": "project"}, True),
        "description": meta(
            "description", "Description", {"type": "string", "system": "description"}
        ),
        "priority": meta("priority", "Priority", {"type": "priority", "system": "priority"}),
        "labels": meta(
            "labels", "Labels", {"type": "array", "items": "string", "system": "labels"}
        ),
        "assignee": meta("assignee", "Assignee", {"type": "user", "system": "assignee"}),
        "duedate": meta("duedate", "Due date", {"type": "date", "system": "duedate"}),
    }
    fields["assignee"]["autoCompleteUrl"] = user_search
    fields["priority"]["allowedValues"] = [
        {"self": f"{{base}}/rest/api/2/priority/{p['id']}", **p} for p in PRIORITIES
    ]
    if deployment == "server":
        fields["reporter"] = meta("reporter", "Reporter", {"type": "user", "system": "reporter"})
    return fields


PRIORITIES = [
    {"id": "1", "name": "Highest", "iconUrl": "{base}/images/icons/priorities/highest.svg"},
    {"id": "2", "name": "High", "iconUrl": "{base}/images/icons/priorities/high.svg"},
    {"id": "3", "name": "Medium", "iconUrl": "{base}/images/icons/priorities/medium.svg"},
    {"id": "4", "name": "Low", "iconUrl": "{base}/images/icons/priorities/low.svg"},
    {"id": "5", "name": "Lowest", "iconUrl": "{base}/images/icons/priorities/lowest.svg"},
]
DEFAULT_PRIORITY = "3"

STATUSES = {
    "To Do": {"id": "10000", "category": (2, "new", "blue-gray", "To Do")},
    "In Progress": {"id": "3", "category": (4, "indeterminate", "yellow", "In Progress")},
    "Done": {"id": "10001", "category": (3, "done", "green", "Done")},
}
TRANSITIONS = [("11", "To Do"), ("21", "In Progress"), ("31", "Done")]


def status_to_api(name: str, base: str, version: str) -> dict[str, Any]:
    status = STATUSES[name]
    category_id, key, color, category_name = status["category"]
    return {
        "self": f"{base}/rest/api/{version}/status/{status['id']}",
        "description": "",
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": name,
        "id": status["id"],
        "statusCategory": {
            "self": f"{base}/rest/api/{version}/statuscategory/{category_id}",
            "id": category_id,
            "key": key,
            "colorName": color,
            "name": category_name,
        },
    }
