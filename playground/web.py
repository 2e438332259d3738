"""The playground page and the small JSON API its script uses (`/playground/…`).

Registered on the app only in playground mode (`app.py`); the app's own routes are
untouched. Each action answers `{"ok": true, ...}` or 400 `{"error", "code"}`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory

from playground.runner import Playground, playground_of
from playground.snapshot import snapshot
from playground.world import VIEWER

STATIC = Path(__file__).parent / "static"
bp = Blueprint("playground", __name__, url_prefix="/playground")


def _playground() -> Playground:
    return playground_of(current_app)  # type: ignore[arg-type]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _error(message: str, code: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message, "code": code}), status


@bp.get("")
@bp.get("/")
def page() -> Response:
    response = send_from_directory(STATIC, "index.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/static/<path:name>")
def static(name: str) -> Response:
    response = send_from_directory(STATIC, name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/state")
def state() -> Any:
    playground = _playground()
    if playground.sender is None:
        return _error("the playground is starting", "starting", 503)
    return jsonify(snapshot(playground, request.args.get("user") or VIEWER))


@bp.post("/api/<path:action>")
def act(action: str) -> Any:
    playground = _playground()
    if playground.sender is None:
        return _error("the playground is starting", "starting", 503)
    body = _body()
    handler = ACTIONS.get(action)
    if handler is None:
        return _error(f"no playground action {action!r}", "unknown_action", 404)
    try:
        result = handler(playground, body, str(body.get("user") or VIEWER))
    except (KeyError, ValueError, TypeError) as exc:
        return _error(f"{action}: {exc}", "invalid_action")
    return jsonify({"ok": True, **(result or {})})


def _send(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    _, slack, *_ = p.sides()
    return {"status": slack.send(user, b["channel"], str(b["text"]), b.get("thread_ts"))}


def _shortcut(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    _, slack, *_ = p.sides()
    return {"status": slack.shortcut(user, b["channel"], b["ts"])}


def _action(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    _, slack, *_ = p.sides()
    if b.get("view_id"):
        return slack.view_action(user, b["view_id"], b["action"], b.get("values") or {})
    return slack.message_action(user, b["channel"], b["ts"], b["action"], b.get("ephemeral"))


def _options(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    _, slack, *_ = p.sides()
    where = {k: b.get(k) for k in ("view_id", "channel", "ts")}
    found = slack.options(user, where, b["action_id"], b["block_id"], b.get("value", ""))
    return {"options": found}


def _submit(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    _, slack, *_ = p.sides()
    return slack.submit(user, b["view_id"], b.get("values") or {})


def _close(p: Playground, b: dict[str, Any], user: str) -> None:
    _, slack, *_ = p.sides()
    slack.close(b["view_id"])


def _jira_transition(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    _, _, jira, *_ = p.sides()
    return {"status": jira.transition(b["key"], b["status"], b.get("actor") or _account(p, user))}


def _jira_assign(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    _, _, jira, *_ = p.sides()
    actor = b.get("actor") or _account(p, user)
    return {"status": jira.assign(b["key"], b.get("account_id") or None, actor)}


def _jira_comment(p: Playground, b: dict[str, Any], user: str) -> None:
    _, _, jira, *_ = p.sides()
    if not str(b.get("body", "")).strip():
        raise ValueError("the comment is empty")
    jira.comment(b["key"], str(b["body"]), b.get("actor") or _account(p, user))


def _github(p: Playground, b: dict[str, Any], user: str, what: str) -> dict[str, Any]:
    _, _, _, github, _ = p.sides()
    if github.unavailable:
        raise ValueError(github.unavailable)
    if what == "open":
        return {"number": github.open_pull(str(b.get("title") or "A change"))}
    if what == "review":
        github.review(int(b["number"]))
    elif what == "merge":
        github.merge(int(b["number"]))
    elif what == "push":
        github.push(str(b.get("message") or "Tidy up"))
    elif what == "release":
        github.release(str(b.get("tag") or "v1.4.0"))
    elif what == "workflow":
        github.failing_workflow()
    return {}


def _demo(p: Playground, b: dict[str, Any], user: str) -> dict[str, Any]:
    *_, demo = p.sides()
    return {"started": demo.play()}


def _account(p: Playground, slack_user: str) -> str:
    """The Jira account of the page's viewer (by email), for the webhook's `user`."""
    slack = p.world.slack
    email = slack.users[slack_user].email if slack_user in slack.users else None
    account = p.world.jira.user_by_email(email) if email else None
    return account.account_id if account else p.world.jira.api_user.account_id


ACTIONS = {
    "send": _send,
    "shortcut": _shortcut,
    "action": _action,
    "options": _options,
    "submit": _submit,
    "close": _close,
    "jira/transition": _jira_transition,
    "jira/assign": _jira_assign,
    "jira/comment": _jira_comment,
    "github/open": lambda p, b, u: _github(p, b, u, "open"),
    "github/review": lambda p, b, u: _github(p, b, u, "review"),
    "github/merge": lambda p, b, u: _github(p, b, u, "merge"),
    "github/push": lambda p, b, u: _github(p, b, u, "push"),
    "github/release": lambda p, b, u: _github(p, b, u, "release"),
    "github/workflow": lambda p, b, u: _github(p, b, u, "workflow"),
    "demo": _demo,
}
