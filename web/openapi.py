"""The OpenAPI 3.1 document of `/api/v1`, generated from the pydantic models in `web.schemas`."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from web import schemas

REF = "#/components/schemas/{model}"

_ERRORS = {
    "400": "bad JSON, failed validation, unknown query parameter or cursor",
    "401": "missing or wrong bearer token (when CONNECT_API_TOKEN is set)",
    "403": "CONNECT_API_TOKEN unset and the client is not on loopback",
    "413": "request body over the limit",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    return [
        {"name": name, "in": "query", "required": False, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _operation(
    summary: str,
    ok: tuple[int, type[BaseModel] | None],
    *,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    path_id: str | None = None,
    extra_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    status, model = ok
    responses: dict[str, Any] = {
        str(status): {"description": "success"}
        | ({"content": _json_content(model)} if model else {})
    }
    for code, text in {**_ERRORS, **(extra_errors or {})}.items():
        responses[code] = {"description": text, "content": _json_content(schemas.ErrorOut)}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    parameters = _query_parameters(query) if query else []
    if path_id:
        parameters.append(
            {"name": path_id, "in": "path", "required": True, "schema": {"type": "integer"}}
        )
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": _json_content(body)}
    return operation


# Components -----------------------------------------------------------------------------

# Models in `components.schemas`; request bodies (`...Create`) in their validation form.
COMPONENT_MODELS: tuple[type[BaseModel], ...] = (
    schemas.IntegrationCreate,
    schemas.IntegrationCreated,
    schemas.IntegrationList,
    schemas.IntegrationDetail,
    schemas.MappingList,
    schemas.SubscriptionCreate,
    schemas.SubscriptionOut,
    schemas.SubscriptionList,
    schemas.ErrorOut,
    *(schemas.PersonPut, schemas.PersonOut, schemas.PersonList),  # people (`_people_paths`)
)


def _components() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [
            (m, "validation" if m.__name__.endswith(("Create", "Put")) else "serialization")
            for m in COMPONENT_MODELS
        ],
        ref_template=REF,
    )
    return {
        "schemas": definitions.get("$defs", {}),
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    }


# Paths, per resource --------------------------------------------------------------------

NOT_FOUND = {"404": "no such id"}


def _integration_paths() -> dict[str, Any]:
    return {
        "/integrations": {
            "get": _operation(
                "List integration events, newest first",
                (200, schemas.IntegrationList),
                query=schemas.IntegrationQuery,
            ),
            "post": _operation(
                "Record an integration event for delivery",
                (202, schemas.IntegrationCreated),
                body=schemas.IntegrationCreate,
            ),
        },
        "/integrations/{integration_id}": {
            "get": _operation(
                "One event with its attempts and last error",
                (200, schemas.IntegrationDetail),
                path_id="integration_id",
                extra_errors=NOT_FOUND,
            )
        },
        "/integrations/{integration_id}/retry": {
            "post": _operation(
                "Re-queue a failed event",
                (202, schemas.IntegrationDetail),
                path_id="integration_id",
                extra_errors={**NOT_FOUND, "409": "the event is not failed"},
            )
        },
    }


def _mapping_paths() -> dict[str, Any]:
    return {
        "/mappings": {
            "get": _operation(
                "List service mappings",
                (200, schemas.MappingList),
                query=schemas.MappingQuery,
            )
        },
    }


def _subscription_paths() -> dict[str, Any]:
    return {
        "/subscriptions": {
            "get": _operation(
                "List subscriptions",
                (200, schemas.SubscriptionList),
                query=schemas.SubscriptionQuery,
            ),
            "post": _operation(
                "Subscribe a channel to a GitHub repository/organisation or a Jira project",
                (201, schemas.SubscriptionOut),
                body=schemas.SubscriptionCreate,
                extra_errors={
                    "409": "the channel is already subscribed to it (send replace: true to "
                    "replace that subscription; the answer is then 200)",
                    "422": "GitHub or Jira does not show that repository, account or project",
                    "502": "GitHub or Jira refused to check it (e.g. a bad token)",
                    "503": "GitHub or Jira could not check it now: try again later",
                },
            ),
        },
        "/subscriptions/{subscription_id}": {
            "get": _operation(
                "One subscription",
                (200, schemas.SubscriptionOut),
                path_id="subscription_id",
                extra_errors=NOT_FOUND,
            ),
            "delete": _operation(
                "Unsubscribe",
                (204, None),
                path_id="subscription_id",
                extra_errors=NOT_FOUND,
            ),
        },
    }


def _people_paths() -> dict[str, Any]:
    """`/people` (web/people_api.py): the people directory and the admins' overrides."""
    slack_user = {
        "name": "slack_user_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": schemas.SLACK_USER},
    }

    def by_user(operation: dict[str, Any]) -> dict[str, Any]:
        return operation | {"parameters": [slack_user]}

    missing = {"404": "no such person"}
    return {
        "/people": {
            "get": _operation(
                "List people (Slack user, Jira account, GitHub login), newest first",
                (200, schemas.PersonList),
                query=schemas.PersonQuery,
            )
        },
        "/people/{slack_user_id}": {
            "get": by_user(
                _operation("One person", (200, schemas.PersonOut), extra_errors=missing)
            ),
            "put": by_user(
                _operation(
                    "Override a person's Jira account and/or GitHub login (null unlinks)",
                    (200, schemas.PersonOut),
                    body=schemas.PersonPut,
                    extra_errors={"409": "another person holds that GitHub login"},
                )
            ),
            "delete": by_user(
                _operation(
                    "Forget a person and their overrides (automatic matching starts over)",
                    (204, None),
                    extra_errors=missing,
                )
            ),
        },
    }


# The document ---------------------------------------------------------------------------


@cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "basecamp-connect API",
            "version": "1",
            "description": "Integration events (audit log and delivery queue), service mappings "
            "and channel subscriptions. Errors are JSON {error, code}.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": _components(),
        "security": [{"bearer": []}],
        "paths": {
            **_integration_paths(),
            **_mapping_paths(),
            **_subscription_paths(),
            **_people_paths(),
        },
    }
