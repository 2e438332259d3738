"""The error policy of every route: JSON `{"error", "code"}`, never a trace or a secret."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from storage.domain import Conflict, InvalidCursor, NotFound, StorageUnavailable

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = "the database is unavailable; try again later"


class ApiError(Exception):
    """An expected failure with its HTTP status, machine-readable code and message."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """What every error answer says."""
    return {"error": message, "code": code, **extra}


def error_response(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(error_body(code, message, **extra)), status


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    """Where and what, without echoing the input (it may hold a secret)."""
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]}
        for err in exc.errors()
    ]


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, **exc.extra)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return error_response(
            400, "validation_error", "request is not valid", details=validation_details(exc)
        )

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return error_response(404, "not_found", str(exc))

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return error_response(409, "conflict", str(exc))

    @app.errorhandler(InvalidCursor)
    def _cursor(exc: InvalidCursor):
        return error_response(400, "invalid_cursor", str(exc))

    @app.errorhandler(StorageUnavailable)
    def _storage_unavailable(exc: StorageUnavailable):
        response, status = error_response(503, "database_unavailable", DATABASE_UNAVAILABLE)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = {
            413: "request body is larger than this route accepts",
            404: "no such route",
            405: "method not allowed on this route",
        }.get(status, exc.description or exc.name)
        response, code = error_response(status, _CODES.get(status, "http_error"), message)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response, code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("http.unhandled_error type=%s", type(exc).__name__)
        return error_response(500, "internal_error", "internal server error")
