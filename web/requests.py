"""Reading request bodies and query strings the same way on every route."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel

from web.errors import ApiError

M = TypeVar("M", bound=BaseModel)


def json_body() -> dict[str, Any]:
    """The body as a JSON object, whatever the Content-Type claims; 400 otherwise."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "invalid_json", "request body is empty; a JSON object is expected")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "request body must be a JSON object")
    return data


def parse_body(model: type[M]) -> M:
    return model.model_validate(json_body())


def parse_query(model: type[M]) -> M:
    """Query parameters validated by `model`; a repeated parameter is an error."""
    args: dict[str, str] = {}
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise ApiError(
                400, "validation_error", f"query parameter {name!r} given more than once"
            )
        args[name] = values[0]
    return model.model_validate(args)
