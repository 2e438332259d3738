"""The OpenAPI 3.1 document of `/api/v1`, generated from the pydantic models in `web.schemas`.

It is the API: each operation lists every status it can answer (its own, and those of what
it reads: the bearer token, a query, a body, an id), and each request schema every
constraint the server applies, including the rules `web.requests` applies to every body and
query (no NUL in any string, JSON nested at most 30 levels). `tests/test_openapi_contract.py`
compares it with the routes, the models and the views, and posts generated bodies.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from integrations.routes import describe_routes
from web import schemas
from web.requests import MAX_JSON_DEPTH

REF = "#/components/schemas/{model}"
NO_NUL = "^[^\\u0000]*$"
"""No string a client sends may hold NUL: no supported database stores it (400)."""

AUTH = {
    "401": "missing or wrong bearer token (when CONNECT_API_TOKEN is set)",
    "403": "CONNECT_API_TOKEN unset and the client is not on loopback",
}
QUERY_ERRORS = {
    "400": "validation_error: a parameter is invalid, unknown, repeated or holds NUL; "
    "invalid_cursor",
}
BODY_ERRORS = {
    "400": f"invalid_json: not a JSON object, nested deeper than {MAX_JSON_DEPTH} levels, or a "
    "string with NUL; validation_error: a field is missing, unknown or invalid (`details`)",
    "413": "payload_too_large: the body is over CONNECT_MAX_BODY_BYTES",
}
NOT_FOUND = {"404": "not_found: no such id"}


def _ref(model: type[BaseModel] | str) -> dict[str, str]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": REF.format(model=name)}


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    return [
        {"name": name, "in": "query", "required": False, "schema": _no_nul(prop)}
        for name, prop in schema["properties"].items()
    ]


def _operation(
    summary: str,
    ok: dict[int, type[BaseModel] | None],
    *,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    path_id: str | None = None,
    errors: dict[str, str] | None = None,
    headers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One operation with every status it can answer: `ok`, then the errors of what it
    reads (query, body, id) and those it raises itself (`errors`)."""
    responses: dict[str, Any] = {
        str(status): {"description": "success"}
        | ({"content": _json_content(model)} if model else {})
        for status, model in ok.items()
    }
    expected = {**AUTH, **(QUERY_ERRORS if query else {}), **(BODY_ERRORS if body else {})}
    expected |= NOT_FOUND if path_id else {}
    for code, text in sorted({**expected, **(errors or {})}.items()):
        responses[code] = {"description": text, "content": _json_content(schemas.ErrorOut)}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    parameters = (_query_parameters(query) if query else []) + (headers or [])
    if path_id:
        parameters.append(
            {"name": path_id, "in": "path", "required": True, "schema": {"type": "integer"}}
        )
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": _json_content(body)}
    return operation


def _no_nul(schema: Any) -> Any:
    """`schema` with every string it admits free of NUL (what `web.requests` refuses)."""
    if isinstance(schema, list):
        return [_no_nul(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _no_nul(value) for key, value in schema.items()}
    if out.get("type") == "string" and not {"pattern", "enum", "const"} & out.keys():
        out["pattern"] = NO_NUL
    return out


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


JSON_VALUES = {
    "JsonValue": {
        "anyOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "array", "items": _ref("JsonValue")},
            _ref("JsonObject"),
        ]
    },
    "JsonObject": {
        "type": "object",
        "description": "any JSON object: no NUL in its strings or keys, nested at most "
        f"{MAX_JSON_DEPTH} levels deep (with the body)",
        "propertyNames": {"type": "string"},
        "additionalProperties": _ref("JsonValue"),
    },
}
"""What a free-form JSON field (an event's `payload`) may hold."""


def _components() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [
            (m, "validation" if m.__name__.endswith(("Create", "Put")) else "serialization")
            for m in COMPONENT_MODELS
        ],
        ref_template=REF,
    )
    found = definitions.get("$defs", {})
    found["IntegrationCreate"]["properties"]["payload"] = _ref("JsonObject")
    requests = {
        name: _no_nul(found[name])
        for name in ("IntegrationCreate", "SubscriptionCreate", "PersonPut")
    }
    return {
        "schemas": {**found, **requests, **_no_nul(JSON_VALUES)},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    }


# Paths, per resource --------------------------------------------------------------------

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "records the event once per key (surrounding whitespace ignored); "
    f"400 over {schemas.MAX_IDEMPOTENCY_KEY} characters",
    "schema": {"type": "string", "maxLength": schemas.MAX_IDEMPOTENCY_KEY},
}


def _integration_paths() -> dict[str, Any]:
    return {
        "/integrations": {
            "get": _operation(
                "List integration events, newest first",
                {200: schemas.IntegrationList},
                query=schemas.IntegrationQuery,
            ),
            "post": _operation(
                "Record an integration event for delivery",
                {202: schemas.IntegrationCreated},
                body=schemas.IntegrationCreate,
                headers=[IDEMPOTENCY_KEY],
                errors={
                    "400": f"{BODY_ERRORS['400']}; unsupported_route: no handler delivers "
                    f"that pair (`supported_routes`; supported: {describe_routes()}); "
                    f"validation_error: Idempotency-Key over {schemas.MAX_IDEMPOTENCY_KEY} "
                    "characters",
                    "503": "database_unavailable: the database could not be reached; nothing "
                    "was stored, send it again (Retry-After)",
                },
            ),
        },
        "/integrations/{integration_id}": {
            "get": _operation(
                "One event with its attempts and last error",
                {200: schemas.IntegrationDetail},
                path_id="integration_id",
            )
        },
        "/integrations/{integration_id}/retry": {
            "post": _operation(
                "Re-queue a failed event",
                {202: schemas.IntegrationDetail},
                path_id="integration_id",
                errors={"409": "conflict: the event is not failed"},
            )
        },
    }


def _mapping_paths() -> dict[str, Any]:
    return {
        "/mappings": {
            "get": _operation(
                "List service mappings",
                {200: schemas.MappingList},
                query=schemas.MappingQuery,
            )
        },
    }


def _subscription_paths() -> dict[str, Any]:
    return {
        "/subscriptions": {
            "get": _operation(
                "List subscriptions",
                {200: schemas.SubscriptionList},
                query=schemas.SubscriptionQuery,
            ),
            "post": _operation(
                "Subscribe a channel to a GitHub repository/organisation or a Jira project",
                {201: schemas.SubscriptionOut, 200: schemas.SubscriptionOut},
                body=schemas.SubscriptionCreate,
                errors={
                    "409": "conflict: the channel is already subscribed to it (send replace: "
                    "true to replace that subscription; the answer is then 200)",
                    "422": "source_not_visible: GitHub or Jira does not show that repository, "
                    "account or project",
                    "502": "github_error / jira_error: GitHub or Jira refused to check it (e.g. "
                    "a bad token)",
                    "503": "github_unavailable / jira_unavailable: GitHub or Jira could not "
                    "check it now: try again later",
                },
            ),
        },
        "/subscriptions/{subscription_id}": {
            "get": _operation(
                "One subscription",
                {200: schemas.SubscriptionOut},
                path_id="subscription_id",
            ),
            "delete": _operation("Unsubscribe", {204: None}, path_id="subscription_id"),
        },
    }


def _document_path() -> dict[str, Any]:
    return {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "the OpenAPI 3.1 document"}},
            }
        }
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

    missing = {
        "404": "not_found: no such person",
        "400": "validation_error: the path is not a Slack user id",
    }
    return {
        "/people": {
            "get": _operation(
                "List people (Slack user, Jira account, GitHub login), newest first",
                {200: schemas.PersonList},
                query=schemas.PersonQuery,
            )
        },
        "/people/{slack_user_id}": {
            "get": by_user(_operation("One person", {200: schemas.PersonOut}, errors=missing)),
            "put": by_user(
                _operation(
                    "Override a person's Jira account and/or GitHub login (null unlinks)",
                    {200: schemas.PersonOut},
                    body=schemas.PersonPut,
                    errors={
                        "409": "conflict: another person holds that GitHub login",
                        "400": "validation_error: the path is not a Slack user id",
                    },
                )
            ),
            "delete": by_user(
                _operation(
                    "Forget a person and their overrides (automatic matching starts over)",
                    {204: None},
                    errors=missing,
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
            "and channel subscriptions. Errors are JSON {error, code}. Unknown query "
            "parameters and body fields are refused (400), as are strings holding NUL.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": _components(),
        "security": [{"bearer": []}],
        "paths": {
            **_integration_paths(),
            **_mapping_paths(),
            **_subscription_paths(),
            **_document_path(),
            **_people_paths(),
        },
    }
