"""Reading request bodies and query strings the same way on every route.

Everything a client can send ends here as a 4xx `ApiError`, never as a 500: bodies over the
limit (with or without Content-Length), JSON that Python accepts but no database stores
(NaN, Infinity, lone surrogates, NUL characters, absurd nesting or numbers).
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn, TypeVar

from flask import request
from pydantic import BaseModel
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_content_length, get_input_stream

from web.errors import ApiError

M = TypeVar("M", bound=BaseModel)

MAX_JSON_DEPTH = 30  # MariaDB's JSON_VALID refuses depth 32 and beyond
# `\u0000` or `\ud…`/`\uD…` (one regex scan; three `in` tests took five times as long)
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD])")


def read_body(limit: int | None = None) -> bytes:
    """The raw body, at most `limit` bytes (default: the app's limit); 413 beyond it.

    A chunked body has no Content-Length, and Werkzeug stops reading it at the limit
    without complaint, so one more byte is read to tell "exactly the limit" from "over it".
    """
    if limit is not None:
        request.max_content_length = limit
    limit = request.max_content_length
    try:
        raw = request.get_data(cache=True)
        chunked_to_the_limit = (
            limit is not None and request.content_length is None and len(raw) >= limit
        )
        if chunked_to_the_limit and request.stream.read(1):
            raise RequestEntityTooLarge()
    except RequestEntityTooLarge:
        raise ApiError(
            413, "payload_too_large", f"request body is larger than {limit} bytes"
        ) from None
    return raw


def read_wsgi_body(environ: dict[str, Any], limit: int) -> bytes:
    """`read_body` for a route served without Flask (`web.front`): refused before it is read
    when its declared length is over the limit, and a chunked body that runs over it."""
    length = get_content_length(environ)
    too_large = ApiError(413, "payload_too_large", f"request body is larger than {limit} bytes")
    if length is not None and length > limit:
        raise too_large
    if length is not None:  # what the WSGI spec has an app do: read Content-Length bytes
        return environ["wsgi.input"].read(length) if length else b""
    try:
        stream = get_input_stream(environ, max_content_length=limit)
        raw = stream.read()
        if len(raw) >= limit and stream.read(1):
            raise RequestEntityTooLarge()
    except RequestEntityTooLarge:
        raise too_large from None
    return raw


def _invalid(message: str) -> NoReturn:
    raise ApiError(400, "invalid_json", message)


def _reject_constant(name: str) -> NoReturn:
    _invalid(f"request body is not valid JSON: {name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        _invalid(f"request body is not valid JSON: {text[:20]} is out of range")
    return value


def _check_tree(value: Any) -> None:
    """Refuse what parses but cannot be stored: deep nesting, NUL in keys or strings."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            _invalid(f"request body is nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, str):
            if "\x00" in node:
                _invalid("request body contains a NUL character, which cannot be stored")
        elif isinstance(node, dict):
            stack.extend((k, depth) for k in node)
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _check_depth(value: Any) -> None:
    """`_check_tree` for a document with no NUL in it: only its containers are visited."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            _invalid(f"request body is nested deeper than {MAX_JSON_DEPTH} levels")
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))


def _plain_utf8(raw: bytes | str) -> str | None:
    """`raw` as text when it is UTF-8 (no BOM) JSON that cannot hold a lone surrogate or a
    NUL character: both are written as `\\u` escapes (JSON allows no raw control character),
    so a body without `\\ud8..\\udf..` or `\\u0000` escapes has neither. None: check the
    parsed document instead."""
    if isinstance(raw, bytes):
        if json.detect_encoding(raw) != "utf-8":
            return None
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if "\\" in raw and _SUSPECT_ESCAPE.search(raw):
        return None
    return raw


def parse_json_object(raw: bytes | str) -> dict[str, Any]:
    """`raw` as a JSON object that every supported database can store; 400 otherwise.

    Text is parsed as text: bytes are read as UTF-8, -16 or -32 by what they start with."""
    return parse_json_document(raw)[0]


def parse_json_document(raw: bytes | str) -> tuple[dict[str, Any], str]:
    """`parse_json_object`, and the object as JSON text that every database stores: the body
    itself when it is plain UTF-8 (`_plain_utf8`), else the object serialised again (the
    check for lone surrogates makes that text anyway). The intake stores it as it is."""
    if not raw.strip():
        _invalid("request body is empty; a JSON object is expected")
    plain = _plain_utf8(raw)
    text = plain or ""
    try:
        data = json.loads(
            plain if plain is not None else raw,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
        if plain is None:
            # lone surrogates ("\udfff") parse, but can be neither stored nor sent back
            text = json.dumps(data, ensure_ascii=False)
            text.encode()
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeError, digit limit
        _invalid(f"request body is not valid JSON: {str(exc)[:200]}")
    if not isinstance(data, dict):
        _invalid("request body must be a JSON object")
    if plain is None:
        _check_tree(data)
    else:
        _check_depth(data)
    return data, text


def json_body() -> dict[str, Any]:
    """The body as a JSON object, whatever the Content-Type claims."""
    return parse_json_object(read_body())


def parse_body(model: type[M]) -> M:
    return model.model_validate(json_body())


def parse_query(model: type[M]) -> M:
    """Query parameters validated by `model`; a repeated parameter or a NUL is an error."""
    args: dict[str, str] = {}
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise ApiError(
                400, "validation_error", f"query parameter {name!r} given more than once"
            )
        if "\x00" in name or "\x00" in values[0]:
            raise ApiError(400, "validation_error", f"query parameter {name!r} contains NUL")
        args[name] = values[0]
    return model.model_validate(args)
