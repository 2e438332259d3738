"""The intake routes, served in front of Flask: the two webhooks and `POST /api/v1/integrations`.

These are the requests that come in bursts (a bulk change in Jira sends hundreds of webhooks
in seconds; a script backfilling events posts as fast as it is answered), and each does
little: check, parse, one INSERT group-committed with the others'. Flask's request and app
contexts, URL map, hooks and response object cost as much CPU as all of that together
(README, Benchmarks: `POST /api/v1/integrations` ran at 0.51 of Flask's hello through Flask
and 0.69 in front of it, the same run). So `Front`, a WSGI app, answers them itself and
hands every other request to Flask.

A route here is a function `(environ) -> Answer`. Its answers are the ones every route
gives: JSON bodies as `jsonify` writes them, errors as `{"error", "code"}` (`web.errors`),
a validation error with its details, 503 with `Retry-After` when the database is down, the
same request metrics (`http_requests_total` by method, route and status).

`Route.methods` are the methods served here. A path that Flask does not know (the
webhooks) also answers OPTIONS and 405 here; a path Flask also serves (the API's list of
integrations is `GET` on the same path) leaves its other methods to Flask, whose URL map
names the route's every method (`Allow`), and whose own view calls the same function.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Response
from pydantic import ValidationError
from werkzeug.http import HTTP_STATUS_CODES

from storage.domain import StorageUnavailable
from web.errors import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    ApiError,
    error_body,
    validation_details,
)

if TYPE_CHECKING:
    from web.metrics import Metrics

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    outcome: str
    """What became of the request, for the route's own metrics (`accepted`, `bad_signature`)."""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    path: str
    answer: Callable[[dict[str, Any]], Answer]
    methods: frozenset[str] = frozenset({"POST"})
    flask_too: bool = False
    """Flask serves the path's other methods; else they are answered here (OPTIONS, 405)."""
    counted: Callable[[Answer], None] | None = None
    """Also told each answer `answer` gave (errors included): a route's own metrics."""


class Front:
    """The WSGI app of `routes`, in front of `app` (Flask) for every other request."""

    def __init__(self, app: WSGIApp, routes: Iterable[Route], metrics: Metrics) -> None:
        self._app = app
        self._routes: Mapping[str, Route] = {route.path: route for route in routes}
        self._metrics = metrics

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        route = self._routes.get(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD", "")
        if route is None or (route.flask_too and method not in route.methods):
            return self._app(environ, start_response)
        started = time.perf_counter()
        if method in route.methods:
            answer = answered(route.answer, environ)
            if route.counted is not None:
                route.counted(answer)
        else:
            allow = (("Allow", ", ".join(sorted({"OPTIONS", *route.methods}))),)
            if method == "OPTIONS":
                answer = Answer(200, {}, "options", allow)
            else:
                error = error_body("method_not_allowed", "method not allowed on this route")
                answer = Answer(405, error, "method_not_allowed", allow)
        body = as_json(answer.body) if answer.body else b""
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(_status_line(answer.status), [*headers, *answer.headers])
        elapsed = time.perf_counter() - started
        self._metrics.observe_request(method, route.path, answer.status, elapsed)
        return [body]


def answered(answer: Callable[[dict[str, Any]], Answer], environ: dict[str, Any]) -> Answer:
    """`answer(environ)`; an error is answered as every route answers it (`web.errors`)."""
    try:
        return answer(environ)
    except ApiError as exc:
        return Answer(exc.status, error_body(exc.code, exc.message, **exc.extra), exc.code)
    except ValidationError as exc:
        details = validation_details(exc)
        error = error_body("validation_error", "request is not valid", details=details)
        return Answer(400, error, "validation_error")
    except StorageUnavailable:
        code = "database_unavailable"
        retry = (("Retry-After", str(RETRY_AFTER_SECONDS)),)
        return Answer(503, error_body(code, DATABASE_UNAVAILABLE), code, retry)
    except Exception as exc:
        log.exception("http.unhandled_error type=%s", type(exc).__name__)
        return Answer(500, error_body("internal_error", "internal server error"), "error")


def flask_response(answer: Answer) -> Response:
    """The same answer from a Flask view (its route when Flask is served without `Front`)."""
    response = Response(as_json(answer.body), answer.status, mimetype="application/json")
    for name, value in answer.headers:
        response.headers[name] = value
    return response


def as_json(body: dict[str, Any]) -> bytes:
    """`body` as JSON, as `jsonify` writes it."""
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()


_STATUS_LINES: dict[int, str] = {}


def _status_line(status: int) -> str:
    """As werkzeug writes it: `202 ACCEPTED`."""
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = f"{status} {HTTP_STATUS_CODES[status].upper()}"
    return line
