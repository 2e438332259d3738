"""`/api/v1`: the integration log, service mappings and subscriptions."""

from __future__ import annotations

import functools
import hmac
import ipaddress
from functools import partial
from typing import Any

from flask import Blueprint, Response, jsonify, request

from integrations.routes import handler_for, routes, unsupported
from integrations.subscriptions import SubscriptionRequest
from integrations.subscriptions.service import (
    AlreadySubscribed,
    SourceCheckFailed,
    SourceCheckUnavailable,
    SourceNotFound,
)
from settings import Settings
from storage import IntegrationFilter, MappingFilter, SubscriptionFilter
from storage.domain import Conflict, NewIntegration, NotFound
from storage.pagination import MAX_ID
from web import schemas
from web.errors import ApiError
from web.front import Answer, Route, answered, flask_response
from web.requests import parse_body, parse_json_object, parse_query, read_wsgi_body
from web.runtime import Runtime, runtime

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}
# A request relayed by a proxy on this host comes from loopback too; these say it was.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host", "Via")
PROXY_ENVIRON_KEYS = tuple("HTTP_" + name.upper().replace("-", "_") for name in PROXY_HEADERS)


@bp.before_request
def authenticate() -> None:
    """Bearer token, or loopback when none is set (also guards `web.people_api`)."""
    if request.endpoint not in PUBLIC_ENDPOINTS:
        require_access(runtime().settings, request.environ)


def require_access(settings: Settings, environ: dict[str, Any]) -> None:
    """`authenticate`, for a route served in front of Flask too (`web.front`)."""
    token = settings.connect_api_token
    if token is None:
        if not _is_loopback_client(environ):
            raise ApiError(
                403,
                "forbidden",
                "CONNECT_API_TOKEN is not set: the API answers loopback clients only",
            )
        return
    scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.get_secret_value().encode()
    ):
        raise ApiError(401, "unauthorized", "missing or invalid bearer token")


@bp.before_request
def _ids_fit_the_database() -> None:
    """An id no BIGINT can hold names nothing: 404, not a database error."""
    for name, value in (request.view_args or {}).items():
        if name.endswith("_id") and isinstance(value, int) and value > MAX_ID:
            raise NotFound(f"{name.removesuffix('_id')} {value} not found")


def _is_loopback_client(environ: dict[str, Any]) -> bool:
    """A direct loopback client; a request relayed by a proxy is not one."""
    if any(key in environ for key in PROXY_ENVIRON_KEYS):
        return False
    return _is_loopback(environ.get("REMOTE_ADDR") or "")


@functools.lru_cache(maxsize=256)
def _is_loopback(remote_addr: str) -> bool:
    """Parsed once per address, not once per request."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def json_response(model: schemas.BaseModel, status: int = 200) -> tuple[Response, int]:
    """`model` as the JSON body (pydantic's own serialisation, keys in field order)."""
    return Response(model.model_dump_json(), mimetype="application/json"), status


# Integrations ---------------------------------------------------------------------------


@bp.get("/integrations")
def list_integrations():
    query = parse_query(schemas.IntegrationQuery)
    page = runtime().repos.integrations.list(
        IntegrationFilter(
            source_service=query.source_service,
            target_service=query.target_service,
            status=query.status,
            event_type=query.event_type,
        ),
        limit=query.limit,
        cursor=query.cursor,
    )
    return json_response(
        schemas.IntegrationList(
            integrations=[schemas.IntegrationOut.model_validate(i) for i in page.items],
            total=page.total,
            next_cursor=page.next_cursor,
        )
    )


@bp.post("/integrations")
def create_integration() -> Response:
    """Served in front of Flask (`web.front`, `intake_routes`); here for Flask's URL map."""
    return flask_response(answered(partial(record_integration, runtime()), request.environ))


def intake_routes(rt: Runtime) -> list[Route]:
    """The API's routes served in front of Flask (`web.front`): the one that takes events."""
    return [Route("/api/v1/integrations", partial(record_integration, rt), flask_too=True)]


def record_integration(rt: Runtime, environ: dict[str, Any]) -> Answer:
    """`POST /api/v1/integrations`: a new event, durable before it is answered (202)."""
    require_access(rt.settings, environ)
    raw = read_wsgi_body(environ, rt.settings.connect_max_body_bytes)
    body = schemas.IntegrationCreate.model_validate(parse_json_object(raw))
    if handler_for(body.source_service, body.target_service) is None:
        raise ApiError(
            400,
            "unsupported_route",
            unsupported(body.source_service, body.target_service),
            supported_routes=[{"source_service": s, "target_service": t} for s, t in routes()],
        )
    idempotency_key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip() or None
    if idempotency_key and len(idempotency_key) > schemas.MAX_IDEMPOTENCY_KEY:
        raise ApiError(
            400,
            "validation_error",
            f"Idempotency-Key is longer than {schemas.MAX_IDEMPOTENCY_KEY} characters",
        )
    integration = rt.repos.intake.record(
        NewIntegration(
            source_service=body.source_service,
            target_service=body.target_service,
            event_type=body.event_type,
            payload=body.payload,
            source_id=body.source_id,
            target_id=body.target_id,
            delivery_key=f"api:{idempotency_key}" if idempotency_key else None,
        )
    )
    message = "Integration created" if integration.created else "Integration already recorded"
    created = schemas.IntegrationCreated(message=message, integration_id=integration.id)
    return Answer(202, created.model_dump(), "created")


def _integration_detail(integration_id: int) -> schemas.IntegrationDetail:
    repos = runtime().repos
    integration = repos.integrations.get(integration_id)
    if integration is None:
        raise NotFound(f"integration {integration_id} not found")
    attempts = repos.integrations.attempts(integration_id)
    last_error = next((a.error for a in reversed(attempts) if a.error), None)
    return schemas.IntegrationDetail.model_validate(
        {
            **schemas.IntegrationOut.model_validate(integration).model_dump(),
            "payload": integration.payload,
            "last_error": last_error or integration.error_message,
            "attempt_log": [schemas.AttemptOut.model_validate(a) for a in attempts],
        }
    )


@bp.get("/integrations/<int:integration_id>")
def get_integration(integration_id: int):
    return json_response(_integration_detail(integration_id))


@bp.post("/integrations/<int:integration_id>/retry")
def retry_integration(integration_id: int):
    runtime().repos.integrations.retry(integration_id)
    return json_response(_integration_detail(integration_id), 202)


# Mappings -------------------------------------------------------------------------------


@bp.get("/mappings")
def list_mappings():
    query = parse_query(schemas.MappingQuery)
    page = runtime().repos.mappings.list(
        MappingFilter(
            source_service=query.source_service,
            source_id=query.source_id,
            target_service=query.target_service,
            target_id=query.target_id,
            mapping_type=query.mapping_type,
        ),
        limit=query.limit,
        cursor=query.cursor,
    )
    return json_response(
        schemas.MappingList(
            mappings=[schemas.MappingOut.model_validate(m) for m in page.items],
            total=page.total,
            next_cursor=page.next_cursor,
        )
    )


# Subscriptions --------------------------------------------------------------------------


@bp.get("/subscriptions")
def list_subscriptions():
    query = parse_query(schemas.SubscriptionQuery)
    page = runtime().repos.subscriptions.list(
        SubscriptionFilter(
            source_service=query.source_service,
            source_id=query.source_id,
            channel_id=query.channel_id,
        ),
        limit=query.limit,
        cursor=query.cursor,
    )
    return json_response(
        schemas.SubscriptionList(
            subscriptions=[schemas.SubscriptionOut.model_validate(s) for s in page.items],
            total=page.total,
            next_cursor=page.next_cursor,
        )
    )


@bp.post("/subscriptions")
def create_subscription():
    """Create (201), through the `SubscriptionService` `/ticket subscribe` uses: the same
    validation and source checks. A channel's second subscription to one source is a 409,
    unless the body says `"replace": true`: then it replaces the first, as the slash command
    does (200; unchanged when it was the same)."""
    body = parse_body(schemas.SubscriptionCreate)
    request = SubscriptionRequest(
        source_service=body.source_service,
        source_id=body.source_id,
        events=tuple(body.events),
        filters=body.filters,
    )
    try:
        done = runtime().container.subscriptions.subscribe(
            request, body.channel_id, body.created_by, replace=body.replace
        )
    except AlreadySubscribed as exc:
        raise Conflict(exc.detail) from None
    except SourceNotFound as exc:
        raise ApiError(422, "source_not_visible", exc.detail) from None
    except SourceCheckUnavailable as exc:
        raise ApiError(503, f"{body.source_service}_unavailable", exc.detail) from None
    except SourceCheckFailed as exc:
        raise ApiError(502, f"{body.source_service}_error", exc.detail) from None
    status = 201 if done.outcome == "created" else 200
    return json_response(schemas.SubscriptionOut.model_validate(done.subscription), status)


@bp.get("/subscriptions/<int:subscription_id>")
def get_subscription(subscription_id: int):
    subscription = runtime().repos.subscriptions.get(subscription_id)
    if subscription is None:
        raise NotFound(f"subscription {subscription_id} not found")
    return json_response(schemas.SubscriptionOut.model_validate(subscription))


@bp.delete("/subscriptions/<int:subscription_id>")
def delete_subscription(subscription_id: int):
    if not runtime().repos.subscriptions.delete(subscription_id):
        raise NotFound(f"subscription {subscription_id} not found")
    return "", 204


@bp.get("/openapi.json")
def openapi():
    from web.openapi import document

    return jsonify(document())
