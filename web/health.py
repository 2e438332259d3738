"""`/health` and `/metrics`.

`/health` answers 200 `healthy` or 503 `unhealthy`, for a load balancer and an orchestrator:
the database must answer, and each registered check must pass (`Runtime.health_checks`: name
→ `() -> (ok, detail)`, the detail shown under the name). A process that runs a delivery
worker able to deliver registers two (`worker_checks`), so a stuck instance is restarted:

- `worker`: its delivery threads are all running;
- `queue`: no deliverable event (due, first of its thread, not leased) of the routes it
  serves has waited for a worker longer than `CONNECT_HEALTH_MAX_PENDING_AGE_SECONDS`. Events
  waiting out a retry delay or a `Retry-After` (a Slack outage, a flooded channel), or queued
  behind an earlier event of their thread, do not count: restarting would not deliver them
  sooner, and a 503 would take every instance out of the load balancer and refuse webhooks.
  The age of the oldest pending event is shown beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flask import Blueprint, Response, jsonify

from integrations.delivery.worker import Worker
from storage.queue import QueueRepository
from storage.types import utcnow
from web.metrics import CONTENT_TYPE
from web.runtime import runtime

bp = Blueprint("health", __name__)

Check = Callable[[], tuple[bool, Any]]


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


def worker_checks(worker: Worker, queue: QueueRepository, max_wait: float) -> dict[str, Check]:
    """The `/health` checks of a process that runs `worker` (none when it can deliver
    nothing: without Slack credentials its events wait for configuration, not a restart)."""
    routes = worker.routes()
    if not routes:
        return {}

    def threads() -> tuple[bool, Any]:
        alive, wanted = worker.alive_threads, worker.config.threads
        return alive == wanted, {"threads": wanted, "threads_alive": alive}

    return {"worker": threads, "queue": lambda: _queue(queue, routes, max_wait)}


def _queue(
    queue: QueueRepository, routes: Collection[tuple[str, str]], max_wait: float
) -> tuple[bool, Any]:
    try:
        backlog = queue.backlog(routes)
    except Exception:  # the database check above reports the outage; do not fail the route
        return False, {"error": "the queue could not be read"}
    now = utcnow()
    waited = max((b.longest_wait(now) for b in backlog.values()), default=0.0)
    detail = {
        "pending": sum(b.pending for b in backlog.values()),
        "oldest_pending_age_seconds": round(
            max((b.oldest_age(now) for b in backlog.values()), default=0.0), 3
        ),
        "longest_wait_seconds": round(waited, 3),
        "max_wait_seconds": max_wait,
    }
    return waited <= max_wait, detail
