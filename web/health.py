"""`/health` and `/metrics`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from web.metrics import CONTENT_TYPE
from web.runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    rt = runtime()
    database_ok = rt.repos.db.ping()
    body: dict[str, object] = {
        "status": "healthy",
        "service": "connect",
        "database": "connected" if database_ok else "disconnected",
    }
    healthy = database_ok
    for name, check in (rt.health_checks or {}).items():
        ok, detail = check()
        body[name] = detail
        healthy = healthy and ok
    if not healthy:
        body["status"] = "unhealthy"
    return jsonify(body), 200 if healthy else 503


@bp.get("/metrics")
def metrics():
    return Response(runtime().metrics.render(), mimetype=CONTENT_TYPE)
