"""`/slack/events`: Bolt in HTTP mode, or 503 with what to set when Slack is not configured."""

from __future__ import annotations

from flask import Blueprint, request

from web.errors import error_response
from web.runtime import runtime

bp = Blueprint("slack", __name__)


@bp.post("/slack/events")
def slack_events():
    handler = runtime().bolt_handler
    if handler is None:
        return error_response(
            503,
            "slack_not_configured",
            "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
        )
    return handler.handle(request)
