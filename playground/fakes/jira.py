"""A fake Jira (Cloud or Server/Data Center) REST API: ``/rest/api/{2,3,latest}/...``.

What it mirrors (``reference/jira/jira-cloud-platform.openapi-v3.json`` and the Server docs):

- auth: Cloud takes Basic ``email:api_token``; Server takes a personal access token as
  ``Authorization: Bearer`` (and Basic with the username). Wrong credentials → 401 with
  ``X-Seraph-LoginReason: AUTHENTICATED_FAILED``; no credentials → 401 except on
  ``serverInfo``, which Jira shows anonymously.
- errors are ``{"errorMessages": [...], "errors": {"field": "message"}}``: 400 for missing
  required fields (``summary``: "You must specify a summary of the issue.", others "<Name> is
  required."), fields not on the create screen ("Field 'x' cannot be set. It is not on the
  appropriate screen, or unknown."), rich text in the wrong format for the API version; 404
  "Issue does not exist or you do not have permission to see it.".
- v3 (Cloud only; Server answers 404) carries descriptions and comment bodies as ADF, v2 as
  strings; each version shows the other's values converted.
- ``serverInfo.deploymentType`` is ``Cloud`` or ``Server``; users are ``accountId`` people on
  Cloud (search by ``query``; ``username`` → 400 as in GDPR strict mode) and ``name``/``key``
  people on Server (search by ``username``).
- createmeta: the old ``issue/createmeta?projectKeys=..&expand=projects.issuetypes.fields``
  (Cloud, and Server before 9.0) and the paged ``issue/createmeta/{project}/issuetypes[/{id}]``
  (Cloud pages ``issueTypes``/``fields``, Server pages ``values``), answered from the corpus.
- every ``self`` URL points at the fake, so the jira library can follow them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Response, jsonify, request

from playground.fakes.base import FakeService, Fault, RecordedRequest
from playground.fakes.jira_data import (
    CORPUS_DIR,
    DEFAULT_PRIORITY,
    PRIORITIES,
    STATUSES,
    TRANSITIONS,
    Comment,
    Issue,
    IssueType,
    JiraUser,
    Project,
    RemoteLink,
    is_adf,
    load_projects,
    render_rich,
    simple_fields,
    status_to_api,
    with_base,
)
from playground.fakes.jira_search import JqlError
from playground.fakes.jira_search import parse as jql_parse

ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
NOT_STRING = "Operation value must be a string"
NO_SEARCH_TERM = "One of 'query', 'accountId' or 'property' query parameters must be provided."
RICH_TEXT_FIELDS = ("description", "environment")
DEFAULTED_FIELDS = ("project", "issuetype", "reporter", "priority")
"""Required fields Jira fills itself when they are left out (reporter: the caller)."""
START_TIME = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
PERMISSIONS = frozenset(
    {"BROWSE_PROJECTS", "CREATE_ISSUES", "EDIT_ISSUES", "TRANSITION_ISSUES", "ASSIGN_ISSUES",
     "ASSIGNABLE_USER", "ADD_COMMENTS", "EDIT_ALL_COMMENTS", "DELETE_ALL_COMMENTS"}
)  # fmt: skip
"""Project permission keys the fake knows (Jira has more)."""


class JiraError(Exception):
    """Answered as ``{"errorMessages": messages, "errors": errors}`` with ``status``."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.messages = messages or []
        self.errors = errors or {}


@dataclass(frozen=True)
class _Ctx:
    """Per-request facts handlers need."""

    version: str
    user: JiraUser
    base: str


Handler = Callable[..., Any]


class FakeJira(FakeService):
    """In-memory Jira with the corpus projects, project ``PROJ``, and three users.

    ``deployment="cloud"``: ``JIRA(server=fake.url, basic_auth=(fake.email, fake.api_token))``.
    ``deployment="server"``: ``JIRA(server=fake.url, token_auth=fake.pat)``.
    """

    name = "jira"

    def __init__(
        self,
        deployment: str = "cloud",
        *,
        email: str = "connect-bot@example.com",
        api_token: str = "jira-api-token",
        pat: str = "jira-pat",
        server_version: str = "9.12.2",
        corpus_dir: Path | None = CORPUS_DIR,
    ) -> None:
        if deployment not in ("cloud", "server"):
            raise ValueError("deployment is 'cloud' or 'server'")
        self.deployment = deployment
        self.email = email
        self.api_token = api_token
        self.pat = pat
        self.server_version = server_version
        self.corpus_dir = corpus_dir
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        super().__init__()

    @property
    def is_cloud(self) -> bool:
        return self.deployment == "cloud"

    @property
    def version_numbers(self) -> tuple[int, ...]:
        if self.is_cloud:
            return (1001, 0, 0)
        return tuple(int(part) for part in self.server_version.split("."))

    # --- state ----------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self._counter = 0
        self._clock = 0
        self.projects: dict[str, Project] = {}
        self.issues: dict[str, Issue] = {}
        """Issues by key (live objects)."""
        self.users: list[JiraUser] = []
        if self.corpus_dir is not None:  # None: only the projects added by hand
            for project in load_projects(self.deployment, self.corpus_dir):
                self.projects[project.key] = project
        self.add_project("PROJ", "Connect Project")
        self.api_user = self.add_user("Connect Bot", self.email, name="connect-bot")
        self.add_user("Alice Example", "alice@example.com", name="alice")
        self.add_user("Bob Builder", "bob@example.com", name="bob")
        self._issue_ids = 10000
        self._comment_ids = 10000
        self._keys: dict[str, int] = {}
        self.denied: dict[str, set[str]] = {}
        """Project permissions a user (by key) does not hold; everyone holds the rest."""
        self.transition_screens: dict[str, dict[str, dict[str, Any]]] = {}
        """Screen fields by transition id (``expand=transitions.fields``)."""
        self.transition_validators: dict[str, str] = {}
        """A workflow validator's error message by transition id."""

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _now(self) -> str:
        self._clock += 1
        moment = START_TIME + timedelta(seconds=self._clock)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    # --- seeding helpers ------------------------------------------------------------------

    def add_user(
        self,
        display_name: str,
        email: str | None,
        *,
        name: str | None = None,
        account_id: str | None = None,
        active: bool = True,
        email_visible: bool = True,
    ) -> JiraUser:
        with self.lock:
            number = self._next()
            user = JiraUser(
                account_id=account_id or f"712020:00000000-0000-4000-8000-{number:012d}",
                name=name or (email.split("@")[0] if email else f"user{number}"),
                key=f"JIRAUSER{10000 + number}",
                display_name=display_name,
                email=email,
                active=active,
                email_visible=email_visible,
            )
            self.users.append(user)
            return user

    def add_project(
        self,
        key: str,
        name: str | None = None,
        *,
        issue_types: tuple[str, ...] = ("Task", "Bug", "Story"),
        id: str | None = None,
    ) -> Project:
        """A project whose create screen requires only summary (plus project and type)."""
        with self.lock:
            project_id = id or str(10500 + len(self.projects))
            types = [
                IssueType(
                    id=str(10600 + len(self.projects) * 10 + index),
                    name=type_name,
                    description=f"A {type_name.lower()}.",
                    subtask=False,
                    fields=simple_fields(self.deployment),
                )
                for index, type_name in enumerate(issue_types)
            ]
            project = Project(project_id, key, name or key, types)
            self.projects[key] = project
            return project

    def set_required(
        self, project: str, field_id: str, required: bool = True, *, issue_type: str | None = None
    ) -> None:
        """Mark a create-screen field (required or not) in every / one issue type."""
        with self.lock:
            for it in self.projects[project].issue_types:
                if issue_type is None or it.name == issue_type:
                    if field_id not in it.fields:
                        raise KeyError(f"{field_id} is not on the {it.name} screen of {project}")
                    it.fields[field_id]["required"] = required

    def add_custom_field(
        self,
        project: str,
        field_id: str,
        name: str,
        *,
        schema_type: str = "string",
        required: bool = False,
        allowed_values: list[str] | None = None,
        issue_type: str | None = None,
    ) -> None:
        """Put a custom field on the create screen (``allowed_values``: a select list)."""
        number = int(field_id.removeprefix("customfield_"))
        custom = "select" if allowed_values is not None else "textfield"
        meta: dict[str, Any] = {
            "required": required,
            "schema": {
                "type": "option" if allowed_values is not None else schema_type,
                "custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{custom}",
                "customId": number,
            },
            "name": name,
            "key": field_id,
            "hasDefaultValue": False,
            "operations": ["set"],
        }
        if allowed_values is not None:
            meta["allowedValues"] = [
                {
                    "self": f"{{base}}/rest/api/2/customFieldOption/{20000 + i}",
                    "value": value,
                    "id": str(20000 + i),
                }
                for i, value in enumerate(allowed_values)
            ]
        with self.lock:
            for it in self.projects[project].issue_types:
                if issue_type is None or it.name == issue_type:
                    it.fields[field_id] = dict(meta)

    def create_issue(
        self, project: str, summary: str, *, issue_type: str = "Task", **fields: Any
    ) -> Issue:
        """Seed an issue directly (no request recorded, no validation)."""
        with self.lock:
            proj = self.projects[project]
            it = proj.issue_type({"name": issue_type})
            if it is None:
                raise KeyError(f"{project} has no issue type {issue_type}")
            return self._store_issue(proj, it, {"summary": summary, **fields}, self.api_user)

    def issue(self, key: str) -> Issue:
        with self.lock:
            return self.issues[key]

    def comments(self, key: str) -> list[Comment]:
        with self.lock:
            return list(self.issues[key].comments)

    def user_by_email(self, email: str) -> JiraUser | None:
        with self.lock:
            return next((u for u in self.users if u.email == email), None)

    def deny(self, user: JiraUser, *permissions: str) -> None:
        """Take project permissions (``TRANSITION_ISSUES``, ...) from ``user``."""
        with self.lock:
            self.denied.setdefault(user.key, set()).update(permissions)

    def transition_screen(
        self, to_status: str, field_id: str, name: str, allowed: list[str], *, required: bool = True
    ) -> None:
        """Put a select field on the screen of the transition to ``to_status``."""
        tid = next(tid for tid, status in TRANSITIONS if status == to_status)
        meta = {
            "required": required,
            "schema": {
                "type": field_id if field_id == "resolution" else "option",
                "system": field_id,
            },
            "name": name,
            "key": field_id,
            "hasDefaultValue": False,
            "operations": ["set"],
            "allowedValues": [
                {"self": f"{{base}}/rest/api/2/{field_id}/{i + 1}", "id": str(i + 1), "name": v}
                for i, v in enumerate(allowed)
            ],
        }
        with self.lock:
            self.transition_screens.setdefault(tid, {})[field_id] = meta

    def transition_validator(self, to_status: str, message: str) -> None:
        """A workflow validator that rejects the transition to ``to_status`` with ``message``."""
        tid = next(tid for tid, status in TRANSITIONS if status == to_status)
        with self.lock:
            self.transition_validators[tid] = message

    # --- faults ---------------------------------------------------------------------------

    def _fault_payload(self, fault: Fault, request: RecordedRequest) -> Any:
        if fault.status == 429:
            return {"errorMessages": ["Rate limit exceeded."], "errors": {}}
        if fault.status == 503:
            return {"errorMessages": ["Service Unavailable"], "errors": {}}
        return {"errorMessages": ["Internal server error"], "errors": {}}

    def _fault_headers(self, fault: Fault, request: RecordedRequest) -> dict[str, str]:
        if fault.status == 429:
            return {
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-FillRate": "10",
                "X-RateLimit-Interval-Seconds": "1",
                "RateLimit-Reason": "jira-quota-global-based",
            }
        return {}

    # --- routing --------------------------------------------------------------------------

    def _register_routes(self) -> None:
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"serverInfo", self._server_info),
            ("GET", r"myself", self._myself),
            ("GET", r"user", self._user),
            ("GET", r"user/search", self._user_search),
            ("GET", r"user/assignable/search", self._user_assignable),
            ("GET", r"user/permission/search", self._user_permission_search),
            ("GET", r"project", self._projects),
            ("GET", r"project/(?P<ref>[^/]+)", self._project),
            ("GET", r"issuetype", self._issue_types),
            ("GET", r"priority", self._priorities),
            ("GET", r"field", self._fields),
            ("GET", r"issue/createmeta", self._createmeta),
            ("GET", r"issue/createmeta/(?P<ref>[^/]+)/issuetypes", self._createmeta_types),
            (
                "GET",
                r"issue/createmeta/(?P<ref>[^/]+)/issuetypes/(?P<type_id>[^/]+)",
                self._createmeta_fields,
            ),
            ("POST", r"issue", self._create_issue),
            ("GET", r"issue/(?P<ref>[^/]+)", self._get_issue),
            ("PUT", r"issue/(?P<ref>[^/]+)", self._edit_issue),
            ("DELETE", r"issue/(?P<ref>[^/]+)", self._delete_issue),
            ("PUT", r"issue/(?P<ref>[^/]+)/assignee", self._assign),
            ("GET", r"issue/(?P<ref>[^/]+)/comment", self._list_comments),
            ("POST", r"issue/(?P<ref>[^/]+)/comment", self._add_comment),
            ("GET", r"issue/(?P<ref>[^/]+)/comment/(?P<cid>[^/]+)", self._get_comment),
            ("PUT", r"issue/(?P<ref>[^/]+)/comment/(?P<cid>[^/]+)", self._update_comment),
            ("DELETE", r"issue/(?P<ref>[^/]+)/comment/(?P<cid>[^/]+)", self._delete_comment),
            ("GET", r"issue/(?P<ref>[^/]+)/transitions", self._transitions),
            ("POST", r"issue/(?P<ref>[^/]+)/transitions", self._do_transition),
            ("GET", r"issue/(?P<ref>[^/]+)/remotelink", self._remote_links),
            ("GET", r"search/jql", self._search_jql),
            ("GET", r"search", self._search),
            ("POST", r"issue/(?P<ref>[^/]+)/remotelink", self._add_remote_link),
        ]
        self._routes = [(m, re.compile(p + r"/?"), h) for m, p, h in table]
        self.app.add_url_rule(
            "/rest/api/<version>/<path:rest>",
            "api",
            self._api_route,
            methods=["GET", "POST", "PUT", "DELETE"],
        )
        self.app.add_url_rule("/rest/auth/1/session", "session", self._session_route)

    def _base(self) -> str:
        return request.host_url.rstrip("/")

    def _authenticate(self) -> JiraUser | None:
        """The caller, ``None`` when anonymous; JiraError 401 for wrong credentials."""
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and not self.is_cloud and value == self.pat:
            return self.api_user
        if scheme.lower() == "basic":
            try:
                login, _, secret = base64.b64decode(value).decode().partition(":")
            except ValueError:
                login, secret = "", ""
            if secret == self.api_token and login in (self.email, self.api_user.name):
                return self.api_user
        raise JiraError(401, [NOT_AUTHENTICATED])

    def _api_route(self, version: str, rest: str) -> Response:
        try:
            if version not in ("2", "latest") and not (version == "3" and self.is_cloud):
                raise JiraError(404, ["null for uri: " + request.url])
            user = self._authenticate()
            handler, params = self._resolve(request.method, rest)
            if user is None:
                if handler != self._server_info:
                    raise JiraError(401, [NOT_AUTHENTICATED])
                user = self.api_user
            ctx = _Ctx("2" if version == "latest" else version, user, self._base())
            result = handler(ctx, **params)
        except JiraError as error:
            return self._error_response(error)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status=204)
        return jsonify(result)

    def _resolve(self, method: str, rest: str) -> tuple[Handler, dict[str, str]]:
        path_found = False
        for route_method, pattern, handler in self._routes:
            matched = pattern.fullmatch(rest)
            if matched is None:
                continue
            path_found = True
            if route_method == method:
                return handler, matched.groupdict()
        if path_found:
            raise JiraError(405, [f"Method {method} not allowed"])
        raise JiraError(404, ["null for uri: " + request.url])

    def _error_response(self, error: JiraError) -> Response:
        response = jsonify({"errorMessages": error.messages, "errors": error.errors})
        response.status_code = error.status
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
            if request.headers.get("Authorization"):
                response.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
        return response

    def _session_route(self) -> Response:
        try:
            user = self._authenticate()
        except JiraError as error:
            return self._error_response(error)
        if user is None:
            return self._error_response(JiraError(401, [NOT_AUTHENTICATED]))
        base = self._base()
        return jsonify(
            {
                "self": f"{base}/rest/api/latest/user?username={user.name}",
                "name": user.name,
                "loginInfo": {"failedLoginCount": 0, "loginCount": 1},
            }
        )

    # --- lookups --------------------------------------------------------------------------

    def _project_by_ref(self, ref: Any) -> Project | None:
        if isinstance(ref, dict):
            ref = ref.get("id") or ref.get("key")
        for project in self.projects.values():
            if str(ref) in (project.id, project.key):
                return project
        return None

    def _issue_by_ref(self, ref: str) -> Issue:
        issue = self.issues.get(ref)
        if issue is None:
            issue = next((i for i in self.issues.values() if i.id == ref), None)
        if issue is None:
            raise JiraError(404, [ISSUE_NOT_FOUND])
        return issue

    def _user_by_ref(self, ref: Any) -> JiraUser | None:
        if not isinstance(ref, dict):
            return None
        for user in self.users:
            if self.is_cloud and ref.get("accountId") == user.account_id:
                return user
            if not self.is_cloud and user.name in (ref.get("name"), ref.get("key")):
                return user
            if ref.get("id") in (user.account_id, user.key):
                return user
        return None

    def _user_json(self, ctx: _Ctx, user: JiraUser | None) -> dict[str, Any] | None:
        return None if user is None else user.to_api(ctx.base, self.deployment, ctx.version)

    # --- server, users, metadata ----------------------------------------------------------

    def _server_info(self, ctx: _Ctx) -> dict[str, Any]:
        numbers = self.version_numbers
        info: dict[str, Any] = {
            "baseUrl": ctx.base,
            "version": ".".join(str(n) for n in numbers)
            if not self.is_cloud
            else "1001.0.0-SNAPSHOT",
            "versionNumbers": list(numbers),
            "deploymentType": "Cloud" if self.is_cloud else "Server",
            "buildNumber": 100250 if self.is_cloud else 912002,
            "buildDate": "2024-01-01T00:00:00.000+0000",
            "serverTime": self._now(),
            "scmInfo": "0000000000000000000000000000000000000000",
            "serverTitle": "Jira",
        }
        if self.is_cloud:
            info["defaultLocale"] = {"locale": "en_US"}
            info["serverTimeZone"] = "Etc/UTC"
        return info

    def _myself(self, ctx: _Ctx) -> Any:
        return self._user_json(ctx, ctx.user)

    def _user(self, ctx: _Ctx) -> Any:
        args = request.args
        for user in self.users:
            if (
                args.get("accountId") == user.account_id
                or args.get("username") == user.name
                or args.get("key") == user.key
            ):
                return self._user_json(ctx, user)
        wanted = args.get("accountId") or args.get("username") or args.get("key")
        raise JiraError(404, [f"The user '{wanted}' does not exist"])

    def _matching_users(self) -> list[JiraUser]:
        args = request.args
        if self.is_cloud:
            if "username" in args:
                raise JiraError(
                    400, ["The query parameter 'username' is not supported in GDPR strict mode."]
                )
            term = args.get("query") or args.get("accountId")
            if term is None:
                raise JiraError(400, [NO_SEARCH_TERM])
        else:
            term = args.get("username")
            if term is None:
                raise JiraError(400, ["The username query parameter was not provided"])
        term = term.lower()
        include_inactive = args.get("includeInactive", "false").lower() == "true"
        found = []
        for user in self.users:
            if not user.active and not include_inactive:
                continue
            haystack = [user.display_name.lower(), (user.email or "").lower()]
            if self.is_cloud:
                haystack.append(user.account_id.lower())
            else:
                haystack.append(user.name.lower())
            words = " ".join(haystack).split()
            if term == "." or any(w.startswith(term) for w in words) or term in haystack:
                found.append(user)
        start = int(args.get("startAt", 0))
        limit = int(args.get("maxResults", 50))
        return found[start : start + limit]

    def _user_search(self, ctx: _Ctx) -> Any:
        return [self._user_json(ctx, u) for u in self._matching_users()]

    def _user_assignable(self, ctx: _Ctx) -> Any:
        args = request.args
        if args.get("project") and self._project_by_ref(args["project"]) is None:
            raise JiraError(404, [f"No project could be found with key '{args['project']}'."])
        if args.get("issueKey"):
            self._issue_by_ref(args["issueKey"])
        return [self._user_json(ctx, u) for u in self._matching_users()]

    def _user_permission_search(self, ctx: _Ctx) -> Any:
        """Users matching the search who hold every one of ``permissions`` (in the issue's
        project): Cloud searches by ``accountId``/``query``, Server by ``username``."""
        args = request.args
        wanted = [p for p in args.get("permissions", "").split(",") if p]
        if not wanted:
            raise JiraError(400, ["The permissions query parameter was not provided"])
        unknown = [p for p in wanted if p not in PERMISSIONS]
        if unknown:
            raise JiraError(400, [f"Permission key '{unknown[0]}' is invalid."])
        if args.get("issueKey"):
            self._issue_by_ref(args["issueKey"])
        elif not args.get("projectKey"):
            raise JiraError(400, ["Either projectKey or issueKey parameter must be provided."])
        return [
            self._user_json(ctx, u)
            for u in self._matching_users()
            if not self.denied.get(u.key, set()) & set(wanted)
        ]

    def _projects(self, ctx: _Ctx) -> Any:
        return [p.to_api(ctx.base, ctx.version, self.deployment) for p in self.projects.values()]

    def _project(self, ctx: _Ctx, ref: str) -> Any:
        project = self._project_by_ref(ref)
        if project is None:
            raise JiraError(404, [f"No project could be found with key '{ref}'."])
        return project.to_api(ctx.base, ctx.version, self.deployment)

    def _issue_types(self, ctx: _Ctx) -> Any:
        seen: dict[str, dict[str, Any]] = {}
        for project in self.projects.values():
            for it in project.issue_types:
                seen.setdefault(it.id, it.to_api(ctx.base, ctx.version))
        return list(seen.values())

    def _priorities(self, ctx: _Ctx) -> Any:
        return [
            with_base(
                {"self": f"{{base}}/rest/api/{ctx.version}/priority/{p['id']}", **p}, ctx.base
            )
            for p in PRIORITIES
        ]

    def _fields(self, ctx: _Ctx) -> Any:
        seen: dict[str, dict[str, Any]] = {}
        for project in self.projects.values():
            for it in project.issue_types:
                for field_id, meta in it.fields.items():
                    if field_id in seen:
                        continue
                    custom = field_id.startswith("customfield_")
                    seen[field_id] = {
                        "id": field_id,
                        "key": field_id,
                        "name": meta.get("name", field_id),
                        "custom": custom,
                        "orderable": True,
                        "navigable": True,
                        "searchable": True,
                        "clauseNames": [f"cf[{field_id[12:]}]" if custom else field_id],
                        "schema": meta.get("schema", {}),
                    }
        return list(seen.values())

    def _field_list(self, ctx: _Ctx, it: IssueType, *, server_shape: bool) -> list[dict]:
        out = []
        for field_id, meta in it.fields.items():
            entry = dict(meta)
            entry["fieldId"] = field_id
            if not server_shape:
                entry["key"] = field_id
            out.append(entry)
        return with_base(out, ctx.base)

    def _createmeta(self, ctx: _Ctx) -> Any:
        if not self.is_cloud and self.version_numbers >= (9, 0, 0):
            raise JiraError(404, ["null for uri: " + request.url])
        args = request.args
        keys = {k for v in args.getlist("projectKeys") for k in v.split(",") if k}
        ids = {k for v in args.getlist("projectIds") for k in v.split(",") if k}
        type_ids = {k for v in args.getlist("issuetypeIds") for k in v.split(",") if k}
        type_names = {k for v in args.getlist("issuetypeNames") for k in v.split(",") if k}
        with_fields = "projects.issuetypes.fields" in args.get("expand", "")
        projects = []
        for project in self.projects.values():
            if (keys or ids) and project.key not in keys and project.id not in ids:
                continue
            types = []
            for it in project.issue_types:
                if (type_ids or type_names) and it.id not in type_ids and it.name not in type_names:
                    continue
                entry = it.to_api(ctx.base, ctx.version)
                entry["expand"] = "fields"
                if with_fields:
                    entry["fields"] = with_base(it.fields, ctx.base)
                types.append(entry)
            projects.append(
                {
                    "expand": "issuetypes",
                    "self": f"{ctx.base}/rest/api/{ctx.version}/project/{project.id}",
                    "id": project.id,
                    "key": project.key,
                    "name": project.name,
                    "issuetypes": types,
                }
            )
        return {"expand": "projects", "projects": projects}

    def _page(self, items: list[Any], key: str) -> dict[str, Any]:
        start = int(request.args.get("startAt", 0))
        limit = int(request.args.get("maxResults", 50))
        page = items[start : start + limit]
        out: dict[str, Any] = {"maxResults": limit, "startAt": start, "total": len(items)}
        if not self.is_cloud:
            out["isLast"] = start + len(page) >= len(items)
        out[key] = page
        return out

    def _createmeta_project(self, ref: str) -> Project:
        project = self._project_by_ref(ref)
        if project is None:
            raise JiraError(404, [f"No project could be found with key '{ref}'."])
        return project

    def _createmeta_types(self, ctx: _Ctx, ref: str) -> Any:
        project = self._createmeta_project(ref)
        types = [it.to_api(ctx.base, ctx.version) for it in project.issue_types]
        return self._page(types, "issueTypes" if self.is_cloud else "values")

    def _createmeta_fields(self, ctx: _Ctx, ref: str, type_id: str) -> Any:
        project = self._createmeta_project(ref)
        it = project.issue_type(type_id)
        if it is None:
            raise JiraError(404, [f"Issue type with id '{type_id}' does not exist."])
        fields = self._field_list(ctx, it, server_shape=not self.is_cloud)
        return self._page(fields, "fields" if self.is_cloud else "values")

    # --- issues ---------------------------------------------------------------------------

    def _rich_text_error(self, ctx: _Ctx, value: Any) -> str | None:
        if value is None:
            return None
        if ctx.version == "3":
            return None if is_adf(value) else NOT_ADF
        return None if isinstance(value, str) else NOT_STRING

    def _validate_values(
        self, ctx: _Ctx, it: IssueType, fields: dict[str, Any], errors: dict[str, str]
    ) -> None:
        for field_id, value in fields.items():
            if field_id in ("project", "issuetype"):
                continue
            meta = it.fields.get(field_id)
            if meta is None:
                errors[field_id] = (
                    f"Field '{field_id}' cannot be set. "
                    "It is not on the appropriate screen, or unknown."
                )
                continue
            name = meta.get("name", field_id)
            schema = meta.get("schema", {})
            if field_id in RICH_TEXT_FIELDS or str(schema.get("custom", "")).endswith(":textarea"):
                problem = self._rich_text_error(ctx, value)
                if problem:
                    errors[field_id] = problem
                    continue
            if field_id == "summary":
                if not isinstance(value, str) or not value.strip():
                    errors[field_id] = "You must specify a summary of the issue."
                elif len(value) > 255:
                    errors[field_id] = "Summary must be less than 255 characters."
                elif "\n" in value or "\r" in value:
                    errors[field_id] = (
                        "The summary is invalid because it contains newline characters."
                    )
                continue
            if schema.get("type") == "user" and value is not None:
                if self._user_by_ref(value) is None:
                    errors[field_id] = f"Specify a valid value for {name}"
                continue
            allowed = meta.get("allowedValues")
            if allowed and value is not None and not self._allowed(value, allowed):
                errors[field_id] = f"Specify a valid value for {name}"

    @staticmethod
    def _allowed(value: Any, allowed: list[dict[str, Any]]) -> bool:
        values = value if isinstance(value, list) else [value]
        for item in values:
            ref = item if isinstance(item, dict) else {"id": item, "name": item, "value": item}
            if not any(
                any(
                    ref.get(k) is not None and str(ref.get(k)) == str(option.get(k))
                    for k in ("id", "name", "value", "key")
                )
                for option in allowed
            ):
                return False
        return True

    def _create_issue(self, ctx: _Ctx) -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
            raise JiraError(400, ["Can not deserialize instance of fields out of the request"])
        fields: dict[str, Any] = dict(body["fields"])
        errors: dict[str, str] = {}
        project = None
        if "project" not in fields:
            errors["project"] = "project is required"
        else:
            project = self._project_by_ref(fields["project"])
            if project is None:
                errors["project"] = "Specify a valid project ID or key"
        it = None
        if "issuetype" not in fields:
            errors["issuetype"] = "Specify an issue type"
        elif project is not None:
            it = project.issue_type(fields["issuetype"])
            if it is None:
                errors["issuetype"] = "Specify a valid issue type"
        if errors or project is None or it is None:
            raise JiraError(400, [], errors)
        self._validate_values(ctx, it, fields, errors)
        for field_id, meta in it.fields.items():
            if not meta.get("required") or field_id in DEFAULTED_FIELDS or field_id in errors:
                continue
            if fields.get(field_id) in (None, "", []):
                errors[field_id] = (
                    "You must specify a summary of the issue."
                    if field_id == "summary"
                    else f"{meta.get('name', field_id)} is required."
                )
        if it.subtask:
            parent = fields.get("parent")
            if not parent:
                errors["parent"] = (
                    "Issue type is a sub-task but parent issue key or id not specified."
                )
            elif not isinstance(parent, dict) or not any(
                i.key == parent.get("key") or i.id == str(parent.get("id"))
                for i in self.issues.values()
            ):
                errors["parent"] = "Could not find issue by id or key."
        if errors:
            raise JiraError(400, [], errors)
        fields.pop("project")
        fields.pop("issuetype")
        issue = self._store_issue(project, it, fields, ctx.user)
        response = jsonify(
            {
                "id": issue.id,
                "key": issue.key,
                "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.id}",
            }
        )
        response.status_code = 201
        return response

    def _store_issue(
        self, project: Project, it: IssueType, fields: dict[str, Any], user: JiraUser
    ) -> Issue:
        self._issue_ids += 1
        number = self._keys.get(project.key, 0) + 1
        self._keys[project.key] = number
        stored = dict(fields)
        stored.setdefault("reporter", self._ref(user))
        stored["creator"] = self._ref(user)
        stored.setdefault("priority", {"id": DEFAULT_PRIORITY})
        stored.setdefault("labels", [])
        now = self._now()
        issue = Issue(
            id=str(self._issue_ids),
            key=f"{project.key}-{number}",
            project=project,
            issue_type=it,
            fields=stored,
            status="To Do",
            created=now,
            updated=now,
        )
        self.issues[issue.key] = issue
        return issue

    def _ref(self, user: JiraUser) -> dict[str, str]:
        return {"accountId": user.account_id} if self.is_cloud else {"name": user.name}

    def _priority_json(self, ctx: _Ctx, ref: Any) -> dict[str, Any] | None:
        if not isinstance(ref, dict):
            return None
        for p in PRIORITIES:
            if str(ref.get("id")) == p["id"] or ref.get("name") == p["name"]:
                return with_base(
                    {"self": f"{{base}}/rest/api/{ctx.version}/priority/{p['id']}", **p}, ctx.base
                )
        return None

    def _comment_json(self, ctx: _Ctx, issue: Issue, comment: Comment) -> dict[str, Any]:
        out: dict[str, Any] = {
            "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.id}/comment/{comment.id}",
            "id": comment.id,
            "author": self._user_json(ctx, comment.author),
            "body": render_rich(comment.body, ctx.version),
            "updateAuthor": self._user_json(ctx, comment.update_author),
            "created": comment.created,
            "updated": comment.updated,
        }
        if comment.visibility is not None:
            out["visibility"] = comment.visibility
        if self.is_cloud:
            out["jsdPublic"] = True
        return out

    def _comment_page(self, ctx: _Ctx, issue: Issue) -> dict[str, Any]:
        comments = [self._comment_json(ctx, issue, c) for c in issue.comments]
        return {
            "comments": comments,
            "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.id}/comment",
            "maxResults": len(comments),
            "total": len(comments),
            "startAt": 0,
        }

    def _issue_json(self, ctx: _Ctx, issue: Issue) -> dict[str, Any]:
        values = issue.fields
        fields: dict[str, Any] = {}
        for field_id, value in values.items():
            if field_id in ("reporter", "creator", "assignee"):
                fields[field_id] = self._user_json(ctx, self._user_by_ref(value))
            elif field_id == "priority":
                fields[field_id] = self._priority_json(ctx, value)
            elif field_id in RICH_TEXT_FIELDS:
                fields[field_id] = render_rich(value, ctx.version)
            elif field_id == "parent" and isinstance(value, dict):
                parent = next(
                    (
                        i
                        for i in self.issues.values()
                        if value.get("key") == i.key or str(value.get("id")) == i.id
                    ),
                    None,
                )
                fields[field_id] = (
                    {"id": parent.id, "key": parent.key} if parent is not None else value
                )
            else:
                fields[field_id] = value
        fields.setdefault("assignee", None)
        fields.setdefault("description", None)
        fields.update(
            {
                "issuetype": issue.issue_type.to_api(ctx.base, ctx.version),
                "project": {
                    k: v
                    for k, v in issue.project.to_api(ctx.base, ctx.version, self.deployment).items()
                    if k in ("self", "id", "key", "name", "projectTypeKey", "avatarUrls")
                },
                "status": status_to_api(issue.status, ctx.base, ctx.version),
                "created": issue.created,
                "updated": issue.updated,
                "resolution": values.get("resolution"),
                "resolutiondate": None,
                "issuelinks": [],
                "subtasks": [],
                "attachment": [],
                "comment": self._comment_page(ctx, issue),
            }
        )
        wanted = request.args.get("fields")
        if wanted and wanted not in ("*all", "*navigable"):
            keep = {f.strip() for f in wanted.split(",")}
            fields = {k: v for k, v in fields.items() if k in keep}
        return {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": issue.id,
            "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.id}",
            "key": issue.key,
            "fields": fields,
        }

    def _get_issue(self, ctx: _Ctx, ref: str) -> Any:
        return self._issue_json(ctx, self._issue_by_ref(ref))

    def _edit_issue(self, ctx: _Ctx, ref: str) -> None:
        issue = self._issue_by_ref(ref)
        body = request.get_json(silent=True) or {}
        fields = dict(body.get("fields") or {})
        errors: dict[str, str] = {}
        self._validate_values(ctx, issue.issue_type, fields, errors)
        update = body.get("update") or {}
        for field_id in update:
            if field_id != "comment" and field_id not in issue.issue_type.fields:
                errors[field_id] = (
                    f"Field '{field_id}' cannot be set. "
                    "It is not on the appropriate screen, or unknown."
                )
        if errors:
            raise JiraError(400, [], errors)
        issue.fields.update(fields)
        for field_id, operations in update.items():
            for operation in operations:
                self._apply_update(ctx, issue, field_id, operation)
        issue.updated = self._now()

    def _apply_update(self, ctx: _Ctx, issue: Issue, field_id: str, operation: dict) -> None:
        if field_id == "comment" and "add" in operation:
            self._new_comment(ctx, issue, operation["add"])
            return
        current = issue.fields.get(field_id)
        if "set" in operation:
            issue.fields[field_id] = operation["set"]
        elif "add" in operation:
            issue.fields[field_id] = [*(current or []), operation["add"]]
        elif "remove" in operation:
            issue.fields[field_id] = [v for v in (current or []) if v != operation["remove"]]

    def _delete_issue(self, ctx: _Ctx, ref: str) -> None:
        issue = self._issue_by_ref(ref)
        del self.issues[issue.key]

    def _assign(self, ctx: _Ctx, ref: str) -> None:
        issue = self._issue_by_ref(ref)
        body = request.get_json(silent=True) or {}
        wanted = body.get("accountId") if self.is_cloud else body.get("name")
        if wanted is None:
            issue.fields["assignee"] = None
            return
        user = self._user_by_ref(body)
        if user is None:
            raise JiraError(400, [], {"assignee": f"User '{wanted}' does not exist."})
        issue.fields["assignee"] = self._ref(user)

    # --- comments -------------------------------------------------------------------------

    def _comment_body(self, ctx: _Ctx) -> tuple[Any, dict[str, Any]]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise JiraError(400, ["Comment body can not be empty!"])
        text = body.get("body")
        if text in (None, "") or (is_adf(text) and not text["content"]):
            raise JiraError(400, [], {"comment": "Comment body can not be empty!"})
        problem = self._rich_text_error(ctx, text)
        if problem:
            raise JiraError(400, [], {"comment": problem})
        return text, body

    def _new_comment(self, ctx: _Ctx, issue: Issue, body: dict[str, Any]) -> Comment:
        self._comment_ids += 1
        now = self._now()
        comment = Comment(
            id=str(self._comment_ids),
            body=body.get("body"),
            author=ctx.user,
            update_author=ctx.user,
            created=now,
            updated=now,
            visibility=body.get("visibility"),
        )
        issue.comments.append(comment)
        issue.updated = now
        return comment

    def _find_comment(self, issue: Issue, cid: str) -> Comment:
        for comment in issue.comments:
            if comment.id == cid:
                return comment
        raise JiraError(404, [f"Can not find a comment for the id: {cid}."])

    def _list_comments(self, ctx: _Ctx, ref: str) -> Any:
        issue = self._issue_by_ref(ref)
        comments = [self._comment_json(ctx, issue, c) for c in issue.comments]
        start = int(request.args.get("startAt", 0))
        limit = int(request.args.get("maxResults", 5000))
        if request.args.get("orderBy", "").lstrip("+-") not in ("", "created"):
            raise JiraError(400, ["orderBy must be created"])
        if request.args.get("orderBy", "").startswith("-"):
            comments.reverse()
        return {
            "comments": comments[start : start + limit],
            "maxResults": limit,
            "total": len(comments),
            "startAt": start,
        }

    def _add_comment(self, ctx: _Ctx, ref: str) -> Any:
        issue = self._issue_by_ref(ref)
        _, body = self._comment_body(ctx)
        comment = self._new_comment(ctx, issue, body)
        response = jsonify(self._comment_json(ctx, issue, comment))
        response.status_code = 201
        return response

    def _get_comment(self, ctx: _Ctx, ref: str, cid: str) -> Any:
        issue = self._issue_by_ref(ref)
        return self._comment_json(ctx, issue, self._find_comment(issue, cid))

    def _update_comment(self, ctx: _Ctx, ref: str, cid: str) -> Any:
        issue = self._issue_by_ref(ref)
        comment = self._find_comment(issue, cid)
        text, body = self._comment_body(ctx)
        comment.body = text
        comment.update_author = ctx.user
        comment.updated = self._now()
        if "visibility" in body:
            comment.visibility = body["visibility"]
        return self._comment_json(ctx, issue, comment)

    def _delete_comment(self, ctx: _Ctx, ref: str, cid: str) -> None:
        issue = self._issue_by_ref(ref)
        issue.comments.remove(self._find_comment(issue, cid))

    # --- transitions and links ------------------------------------------------------------

    def _transitions(self, ctx: _Ctx, ref: str) -> Any:
        """The transitions out of the issue's status (every other status, in this workflow);
        ``expand=transitions.fields`` adds each one's screen fields."""
        issue = self._issue_by_ref(ref)
        wanted = request.args.get("transitionId")
        with_fields = "transitions.fields" in request.args.get("expand", "")
        transitions = []
        for tid, name in TRANSITIONS:
            if name == issue.status or (wanted is not None and wanted != tid):
                continue
            screen = self.transition_screens.get(tid, {})
            transition: dict[str, Any] = {
                "id": tid,
                "name": name,
                "to": status_to_api(name, ctx.base, ctx.version),
                "hasScreen": bool(screen),
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
            if with_fields:
                transition["fields"] = with_base(screen, ctx.base)
            transitions.append(transition)
        return {"expand": "transitions", "transitions": transitions}

    def _do_transition(self, ctx: _Ctx, ref: str) -> None:
        issue = self._issue_by_ref(ref)
        body = request.get_json(silent=True) or {}
        wanted = str((body.get("transition") or {}).get("id", ""))
        target = next((name for tid, name in TRANSITIONS if tid == wanted), None)
        if target is None or target not in STATUSES or target == issue.status:
            raise JiraError(400, [f"Transition id '{wanted}' is not valid for this issue."])
        fields = dict(body.get("fields") or {})
        screen = self.transition_screens.get(wanted, {})
        errors: dict[str, str] = {}
        for field_id, value in fields.items():
            meta = screen.get(field_id)
            if meta is None:
                errors[field_id] = (
                    f"Field '{field_id}' cannot be set. "
                    "It is not on the appropriate screen, or unknown."
                )
            elif not self._allowed(value, meta.get("allowedValues") or []):
                errors[field_id] = f"Specify a valid value for {meta['name']}"
        for field_id, meta in screen.items():
            if meta.get("required") and fields.get(field_id) in (None, "", []):
                errors.setdefault(field_id, f"{meta['name']} is required.")
        if errors:
            raise JiraError(400, [], errors)
        if wanted in self.transition_validators:
            raise JiraError(400, [self.transition_validators[wanted]])
        for operation in (body.get("update") or {}).get("comment", []):
            if "add" in operation:
                self._new_comment(ctx, issue, operation["add"])
        for field_id, value in fields.items():
            allowed = screen[field_id].get("allowedValues") or []
            chosen = next(o for o in allowed if self._allowed(value, [o]))
            issue.fields[field_id] = {"id": chosen["id"], "name": chosen["name"]}
        issue.status = target
        issue.updated = self._now()

    # --- search (JQL: playground/fakes/jira_search.py) ------------------------------------------

    def _search_jql(self, ctx: _Ctx) -> Any:
        """Cloud's `GET search/jql` (token-paged; Server has no such resource)."""
        if not self.is_cloud:
            raise JiraError(404, ["null for uri: search/jql"])
        issues = self._searched(ctx)
        return {"issues": issues, "isLast": True}

    def _search(self, ctx: _Ctx) -> Any:
        """Server's `GET search` (offset-paged). Cloud removed it: 410 Gone, as it answers."""
        if self.is_cloud:
            raise JiraError(
                410,
                ["The requested API has been removed. Please migrate to /rest/api/3/search/jql."],
            )
        issues = self._searched(ctx)
        limit = int(request.args.get("maxResults") or 50)
        return {"startAt": 0, "maxResults": limit, "total": len(issues), "issues": issues}

    def _searched(self, ctx: _Ctx) -> list[dict[str, Any]]:
        try:
            predicates, order, descending = jql_parse(request.args.get("jql") or "")
        except JqlError as error:
            raise JiraError(400, [str(error)]) from None
        limit = min(int(request.args.get("maxResults") or 50), 100)

        def ref(value: Any) -> str | None:
            user = self._user_by_ref(value)
            if user is None:
                return None
            return user.account_id if self.is_cloud else user.name

        found = [
            issue
            for issue in self.issues.values()
            if all(
                p(
                    {
                        "assignee": ref(issue.fields.get("assignee")),
                        "reporter": ref(issue.fields.get("reporter")),
                        "category": STATUSES[issue.status]["category"][3],
                    }
                )
                for p in predicates
            )
        ]
        found.sort(key=lambda i: (getattr(i, order), int(i.id)), reverse=descending)
        return [self._issue_json(ctx, issue) for issue in found[:limit]]

    def _remote_links(self, ctx: _Ctx, ref: str) -> Any:
        issue = self._issue_by_ref(ref)
        return [
            {
                "id": link.id,
                "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.key}/remotelink/{link.id}",
                **link.body,
            }
            for link in issue.remote_links
        ]

    def _add_remote_link(self, ctx: _Ctx, ref: str) -> Any:
        issue = self._issue_by_ref(ref)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("object"), dict):
            raise JiraError(400, [], {"object": "'object' is required."})
        if not body["object"].get("url") or not body["object"].get("title"):
            raise JiraError(400, [], {"title": "'title' and 'url' are required."})
        existing = next(
            (
                link
                for link in issue.remote_links
                if body.get("globalId") and link.body.get("globalId") == body.get("globalId")
            ),
            None,
        )
        status = 200
        if existing is not None:
            existing.body = body
            link = existing
        else:
            link = RemoteLink(id=10000 + self._next(), body=body)
            issue.remote_links.append(link)
            status = 201
        response = jsonify(
            {
                "id": link.id,
                "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.key}/remotelink/{link.id}",
            }
        )
        response.status_code = status
        return response
