"""`/slack/events`: Slack's requests, verified and checked before Bolt sees them.

Status policy, in the order the checks run (each refusal logs one `slack.<reason>` warning
line, never a traceback):

1. Slack is not configured → 503 `slack_not_configured`;
2. no `X-Slack-Signature` or `X-Slack-Request-Timestamp` → 401 `missing_signature`;
3. a timestamp that is not whole seconds → 401 `invalid_timestamp`; one more than five
   minutes from now → 401 `stale_timestamp` (Slack's replay window);
4. a body over `CONNECT_MAX_BODY_BYTES`, declared or chunked → 413 `payload_too_large`;
5. a signature that does not match (slack_sdk's `SignatureVerifier`) → 401 `bad_signature`;
6. signed, but a body Bolt cannot read (`slack_envelope.parse`) → 400 `invalid_body`; a
   shape Bolt would crash on (`slack_envelope.problems`) → 400 `invalid_payload`, with
   `details`; Bolt's own `X-Slack-Bolt-*` headers (they make it run a lazy listener
   without its ack) → 400 `invalid_header`;
7. otherwise Bolt dispatches it: its acks as they are, its errors as JSON `{"error", "code"}`.

Bolt's Flask adapter parses the body before Bolt checks the signature, and Bolt's payload
readers assume Slack's shapes: so nothing reaches Bolt unverified or misshapen. As with the
webhooks, an unsigned request never learns more than that it is unsigned.
"""

from __future__ import annotations

import json
import logging
import re
import time

from flask import Blueprint, Response, request
from slack_sdk.signature import SignatureVerifier

from web import slack_envelope
from web.errors import ApiError, error_response
from web.requests import read_body
from web.runtime import runtime

log = logging.getLogger(__name__)

bp = Blueprint("slack", __name__)

REPLAY_WINDOW = 5 * 60
"""Seconds a timestamp may be from now (Slack's documented window, as `SignatureVerifier`)."""
TIMESTAMP = re.compile(r"[0-9]{1,15}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
BOLT_HEADERS = ("X-Slack-Bolt-Lazy-Only", "X-Slack-Bolt-Lazy-Function-Name")
BOLT_ERRORS = {401: "bad_signature", 404: "unhandled_request"}


@bp.post("/slack/events")
def slack_events() -> Response | tuple[Response, int]:
    rt = runtime()
    handler, secret = rt.bolt_handler, rt.settings.slack_signing_secret
    if handler is None or secret is None:
        return error_response(
            503,
            "slack_not_configured",
            "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
        )
    timestamp, signature = _signature_headers()
    raw = _read_body()
    _verify(SignatureVerifier(secret.get_secret_value()), raw, timestamp, signature)
    _check(raw)
    return _as_json_error(handler.handle(request))


def _refuse(status: int, code: str, message: str, **details: object) -> ApiError:
    log.warning("slack.%s", " ".join([code, *(f"{k}={v}" for k, v in details.items())]))
    return ApiError(status, code, message)


def _signature_headers() -> tuple[str, str]:
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        raise _refuse(
            401,
            "missing_signature",
            "request is not signed: X-Slack-Signature and X-Slack-Request-Timestamp are required",
        )
    if not TIMESTAMP.fullmatch(timestamp):
        raise _refuse(401, "invalid_timestamp", "X-Slack-Request-Timestamp is not a Unix time")
    age = int(time.time()) - int(timestamp)
    if abs(age) > REPLAY_WINDOW:
        raise _refuse(
            401, "stale_timestamp", "X-Slack-Request-Timestamp is too far from now", age=age
        )
    return timestamp, signature


def _read_body() -> bytes:
    limit = runtime().settings.connect_max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _refuse(
            413,
            "payload_too_large",
            f"request body is larger than {limit} bytes",
            bytes=request.content_length,
        )
    try:
        return read_body(limit)
    except ApiError as exc:  # a chunked body that ran over the limit
        raise _refuse(exc.status, exc.code, exc.message, bytes="unknown") from None


def _verify(verifier: SignatureVerifier, raw: bytes, timestamp: str, signature: str) -> None:
    """slack_sdk's check; a body that is not UTF-8 cannot carry a Slack signature."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or not SIGNATURE.fullmatch(signature):
        reason = "not_utf8" if text is None else "malformed"
    elif verifier.is_valid(text, timestamp, signature):
        return
    else:
        reason = "mismatch"
    raise _refuse(401, "bad_signature", "signature does not match the body", reason=reason)


def _check(raw: bytes) -> None:
    """Signed: the body and headers Bolt will read, as Bolt will read them."""
    if any(name in request.headers for name in BOLT_HEADERS):
        raise _refuse(400, "invalid_header", "X-Slack-Bolt-* headers are Bolt's own")
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(400, "invalid_body", "the query string is not UTF-8") from None
    content_type = (request.headers.get("Content-Type") or "").split(";")[0] or None
    try:
        body = slack_envelope.parse(raw.decode("utf-8"), content_type)
    except ApiError as exc:
        raise _refuse(400, exc.code, exc.message) from None
    if found := slack_envelope.problems(body):
        fields = ",".join(sorted({p["field"] for p in found}))[:200]
        log.warning("slack.invalid_payload fields=%s", fields)
        raise ApiError(400, "invalid_payload", "not a Slack payload Bolt can route", details=found)


def _as_json_error(response: Response) -> Response | tuple[Response, int]:
    """Bolt's own refusals (a bad signature, an unhandled request) in the API's error shape."""
    if response.status_code < 400:
        return response
    try:
        answer = json.loads(response.get_data(as_text=True) or "{}")
    except ValueError:
        answer = None
    if isinstance(answer, dict) and {"error", "code"} <= set(answer):
        return response
    status = response.status_code
    code = BOLT_ERRORS.get(status, "internal_error" if status >= 500 else "bad_request")
    message = answer.get("error") if isinstance(answer, dict) else None
    return error_response(status, code, str(message or code.replace("_", " ")))
