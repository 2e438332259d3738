"""Request and response models of `/api/v1`; the OpenAPI document is generated from them.

Where a rule lives in a validator (a Slack channel id, a repository name, the features and
filters of each source, the routes a worker serves), its JSON Schema is added beside it
(`json_schema_extra`) from the same constants, so a client generating bodies from the
document sends what the server accepts; `tests/test_openapi_contract.py` checks both agree.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from integrations.routes import describe_routes, routes
from integrations.subscriptions import (
    GITHUB_FEATURES,
    GITHUB_REPO,
    JIRA_EVENTS,
    JIRA_PROJECT,
    SLACK_CHANNEL,
    GitHubFilters,
    JiraFilters,
    normalise_events,
    normalise_filters,
    valid_source_id,
)
from integrations.subscriptions.rules import GITHUB_BRANCH_FEATURE
from storage import domain

MAX_IDEMPOTENCY_KEY = 150
ServiceName = Literal["slack", "jira", "github"]
StatusName = Literal["pending", "completed", "failed", "ignored"]


class Query(BaseModel):
    """Query strings: unknown parameters are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(
        default=None,
        max_length=200,
        description="the next_cursor of the previous page, as it was returned (else 400 "
        "invalid_cursor)",
    )


class IntegrationQuery(Query):
    source_service: ServiceName | None = None
    target_service: ServiceName | None = None
    status: StatusName | None = None
    event_type: str | None = Field(default=None, max_length=128)


class MappingQuery(Query):
    source_service: ServiceName | None = None
    source_id: str | None = Field(default=None, max_length=255)
    target_service: ServiceName | None = None
    target_id: str | None = Field(default=None, max_length=255)
    mapping_type: Literal[tuple(m.value for m in domain.MappingType)] | None = None  # type: ignore[valid-type]


class SubscriptionQuery(Query):
    source_service: Literal["github", "jira"] | None = None
    source_id: str | None = Field(default=None, max_length=255)
    channel_id: str | None = Field(default=None, max_length=64)


def anchored(pattern: re.Pattern[str]) -> str:
    """A regex the server `fullmatch`es, as a JSON Schema pattern."""
    return f"^(?:{pattern.pattern})$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _supported_routes(schema: dict[str, Any]) -> None:
    """Only the `(source_service, target_service)` pairs a handler serves (else 400
    `unsupported_route`)."""
    schema["anyOf"] = [
        {"properties": {"source_service": {"const": s}, "target_service": {"const": t}}}
        for s, t in routes()
    ]


class IntegrationCreate(Body):
    model_config = ConfigDict(json_schema_extra=_supported_routes)

    source_service: ServiceName = Field(description=f"with target_service: {describe_routes()}")
    target_service: ServiceName
    event_type: str = Field(min_length=1, max_length=128)
    payload: dict[str, Any] = Field(default_factory=dict)
    source_id: str | None = Field(default=None, max_length=255)
    target_id: str | None = Field(default=None, max_length=255)


def _per_source(schema: dict[str, Any]) -> None:
    """What `source_id`, `events` and `filters` accept, for each `source_service`."""

    def source(
        service: str, pattern: re.Pattern[str], events: dict[str, Any], filters: type[BaseModel]
    ) -> dict[str, Any]:
        properties = {
            "source_service": {"const": service},
            "source_id": {"pattern": anchored(pattern)},
            "events": {"items": events},
            "filters": filters.model_json_schema(),
        }
        return {"properties": properties}

    github_features = {
        "anyOf": [
            {"enum": [*GITHUB_FEATURES, "workflows:all"]},
            {"pattern": GITHUB_BRANCH_FEATURE},
        ]
    }
    schema["oneOf"] = [
        source("github", GITHUB_REPO, github_features, GitHubFilters),
        source("jira", JIRA_PROJECT, {"enum": list(JIRA_EVENTS)}, JiraFilters),
    ]


class SubscriptionCreate(Body):
    model_config = ConfigDict(json_schema_extra=_per_source)

    source_service: Literal["github", "jira"]
    source_id: str = Field(min_length=1, max_length=255, description="owner/repo, owner or PROJ")
    channel_id: str = Field(
        min_length=3,
        max_length=64,
        description="Slack channel id",
        json_schema_extra={"pattern": anchored(SLACK_CHANNEL)},
    )
    events: list[str] = Field(default_factory=list, max_length=32, validate_default=True)
    filters: dict[str, Any] = Field(default_factory=dict, validate_default=True)
    created_by: str | None = Field(default=None, max_length=64)
    replace: bool = Field(
        default=False,
        description="replace the channel's subscription to this source, as /ticket subscribe "
        "does, instead of answering 409",
    )

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, value: str) -> str:
        if SLACK_CHANNEL.fullmatch(value) is None:
            raise ValueError("must be a Slack channel id such as C0123ABCD")
        return value

    @field_validator("source_id")
    @classmethod
    def _source(cls, value: str, info: ValidationInfo) -> str:
        service = info.data.get("source_service", "github")
        if not valid_source_id(service, value):
            expected = "owner/repo or owner" if service == "github" else "a project key like PROJ"
            raise ValueError(f"must be {expected}")
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str] | None, info: ValidationInfo) -> list[str]:
        return list(normalise_events(info.data.get("source_service", "github"), value))

    @field_validator("filters")
    @classmethod
    def _filters(cls, value: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any]:
        try:
            return normalise_filters(info.data.get("source_service", "github"), value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{where}: {first['msg']}") from None


# Responses ------------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IntegrationOut(Out):
    id: int
    source_service: str
    target_service: str
    event_type: str
    event_key: str | None = None
    source_id: str | None
    target_id: str | None
    status: StatusName
    error_message: str | None
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AttemptOut(Out):
    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    error: str | None


class IntegrationDetail(IntegrationOut):
    payload: dict[str, Any]
    last_error: str | None
    attempt_log: list[AttemptOut]


class IntegrationList(BaseModel):
    integrations: list[IntegrationOut]
    total: int
    next_cursor: str | None


class IntegrationCreated(BaseModel):
    success: bool = True
    message: str = "Integration created"
    integration_id: int


class MappingOut(Out):
    id: int
    source_service: str
    source_id: str
    target_service: str
    target_id: str
    mapping_type: str
    extra_data: dict[str, Any]
    created_at: datetime


class MappingList(BaseModel):
    mappings: list[MappingOut]
    total: int
    next_cursor: str | None


class SubscriptionOut(Out):
    id: int
    source_service: str
    source_id: str
    channel_id: str
    events: list[str]
    filters: dict[str, Any]
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionOut]
    total: int
    next_cursor: str | None


class RouteOut(BaseModel):
    source_service: str
    target_service: str


# People -----------------------------------------------------------------------------------

SLACK_USER = r"^[UW][A-Z0-9]{2,30}$"
GITHUB_LOGIN = r"^@?[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$"
MatchName = Literal["email", "name", "manual"]


class PersonQuery(Query):
    slack_user_id: str | None = Field(default=None, max_length=64)
    jira_account_id: str | None = Field(default=None, max_length=191)
    github_login: str | None = Field(default=None, max_length=40)


class PersonPut(Body):
    """Overrides for one person: a value links (as `manual`, winning over automatic
    matches), null unlinks (and stops automatic matching), an absent field is left as is."""

    jira_account_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=191,
        description="Cloud accountId, or the Server/Data Center user name",
    )
    github_login: str | None = Field(default=None, max_length=40, pattern=GITHUB_LOGIN)


class NotificationsOut(Out):
    """A person's DM settings, read-only here: each person sets their own (`/ticket notify`)."""

    enabled: bool = Field(description="off until the person opts in")
    off: list[Literal[tuple(k.value for k in domain.NotifyKind)]] = Field(  # type: ignore[valid-type]
        description="the kinds they switched off"
    )

    @field_validator("off", mode="before")
    @classmethod
    def _sorted(cls, value: Any) -> Any:
        return sorted(value) if isinstance(value, set | frozenset) else value


class PersonOut(Out):
    slack_user_id: str
    slack_name: str | None
    email: str | None
    jira_account_id: str | None
    jira_key: str | None
    jira_display_name: str | None
    jira_match: MatchName | None
    github_login: str | None
    github_match: MatchName | None
    notifications: NotificationsOut
    created_at: datetime
    updated_at: datetime


class PersonList(BaseModel):
    people: list[PersonOut]
    total: int
    next_cursor: str | None


class ErrorOut(BaseModel):
    error: str
    code: str
    details: list[dict[str, str]] | None = Field(
        default=None, description="validation_error: which field, and what is wrong with it"
    )
    supported_routes: list[RouteOut] | None = Field(
        default=None, description="unsupported_route: the pairs that are delivered"
    )


class HealthOut(BaseModel):
    status: Literal["healthy", "unhealthy"]
    service: Literal["connect"] = "connect"
    database: Literal["connected", "disconnected"]
