"""basecamp-connect: entry point. Wires settings, storage, the Bolt app and the HTTP routes.

python app.py              HTTP service (+ delivery worker, + Socket Mode with SLACK_APP_TOKEN);
                           without Slack credentials: the playground (`playground/`)
python app.py worker       a delivery worker only
python app.py db upgrade   migrate DATABASE_URL to the latest schema (also: downgrade, current)
gunicorn -c gunicorn.conf.py 'app:create_app()'

SIGTERM/SIGINT stop `python app.py` and `python app.py worker` cleanly within
CONNECT_SHUTDOWN_GRACE_SECONDS (`web.lifecycle`); under gunicorn, `gunicorn.conf.py`'s hooks
do the same for the delivery threads of each gunicorn worker.
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, g, request

from integrations.container import Container, build_container
from settings import ConfigError, PlaygroundMode, Settings, WorkerMode, load_settings
from storage import Database, Repositories
from web.health import worker_checks
from web.lifecycle import StopSignals
from web.logging import configure_logging
from web.metrics import Metrics, multiprocess_dir
from web.runtime import EXTENSION, Runtime

log = logging.getLogger("connect")


def create_app(settings: Settings | None = None, *, migrate: bool | None = None) -> Flask:
    """Build one isolated instance of the service.

    `migrate` brings the schema up to date first; by default only on SQLite (a server
    database is migrated explicitly, with `python app.py db upgrade`).
    """
    settings = settings or load_settings()
    configure_logging(settings)
    db = Database(settings.database_url)
    if migrate if migrate is not None else settings.is_sqlite:
        db.upgrade()
        db.dispose()  # no connection may survive into a forked gunicorn worker
    repos = Repositories.on(db)
    container = build_container(settings, repos)
    runtime = Runtime(
        container=container,
        metrics=_metrics(repos),
        health_checks={},
    )

    if settings.slack_configured:
        from slack_bolt.adapter.flask import SlackRequestHandler

        from bot import build_bolt_app

        runtime.bolt = build_bolt_app(container)
        runtime.bolt_handler = SlackRequestHandler(runtime.bolt)
    else:
        log.warning(
            "slack.not_configured: /slack/events answers 503 until SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET are set"
        )

    app = Flask(__name__, static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=settings.connect_max_body_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = runtime
    _register(app)
    if settings.connect_worker is WorkerMode.ON:
        from web.webhooks import WORKER_EXTENSION

        worker = app.extensions[WORKER_EXTENSION] = start_worker(container, runtime.metrics)
        runtime.health_checks = (runtime.health_checks or {}) | worker_checks(
            worker, repos.queue, settings.connect_health_max_pending_age_seconds
        )
    log.info("app.created database=%s slack=%s", db.display_url, settings.slack_configured)
    return app


def _metrics(repos: Repositories) -> Metrics:
    """This app's metrics: every process's under gunicorn when `gunicorn.conf.py` set up
    Prometheus multiprocess mode, else this process's (and a warning under gunicorn)."""
    shared = multiprocess_dir()
    if shared is None and "gunicorn.arbiter" in sys.modules:
        log.warning(
            "metrics.per_process: PROMETHEUS_MULTIPROC_DIR is not set, so /metrics shows the "
            "one gunicorn worker process that answers; start gunicorn with gunicorn.conf.py"
        )
    return Metrics(
        repos.integrations.count_by_status,
        repos.queue.backlog,
        multiprocess=shared,
    )


def _register(app: Flask) -> None:
    from web import api, health, people_api, slack
    from web.errors import register_error_handlers
    from web.front import Front
    from web.webhooks import WebhookIntake

    register_error_handlers(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(people_api.bp)
    app.register_blueprint(slack.bp)
    rt: Runtime = app.extensions[EXTENSION]
    metrics = rt.metrics
    # the intake routes are served in front of Flask (`web.front`)
    intake = WebhookIntake(rt, app.extensions).routes() + api.intake_routes(rt)
    app.wsgi_app = Front(app.wsgi_app, intake, metrics)

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):  # type: ignore[no-untyped-def]
        route = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - g.get("started", 0.0)
        metrics.observe_request(request.method, route, response.status_code, elapsed)
        return response


def start_worker(container: Container, metrics: Metrics):  # -> Worker
    """The delivery worker in background threads of this process (`CONNECT_WORKER=on`).

    Started by `create_app`, so `python app.py` and every gunicorn worker process deliver
    (gunicorn's `--preload` would start it before the fork, where its threads do not
    survive: use `CONNECT_WORKER=off` with `python app.py worker` processes there).
    """
    from integrations.delivery.worker import Worker

    def count(target: str, outcome: str) -> None:
        metrics.deliveries.labels(target, outcome).inc()

    threads = metrics.worker_threads_alive.set
    return Worker(container, on_outcome=count, on_threads=threads, role="web").start()


def run_worker(settings: Settings, stop: StopSignals) -> int:
    """`python app.py worker`: deliver until SIGTERM/SIGINT, then stop within the grace."""
    from integrations.delivery.worker import Worker
    from web.lifecycle import stop_worker

    db = Database(settings.database_url)
    if settings.is_sqlite:
        db.upgrade()
    worker = Worker(build_container(settings, Repositories.on(db)), role="worker")
    if not worker.container.slack_configured:
        print("connect worker: SLACK_BOT_TOKEN is not set; nothing is delivered", file=sys.stderr)
    worker.start()
    stop.wait()
    stop_worker(stop.name, worker)
    db.dispose()
    return 0


def serve(settings: Settings, stop: StopSignals) -> None:
    """`python app.py`: the HTTP service on CONNECT_HOST:CONNECT_PORT, until SIGTERM/SIGINT.

    Without Slack credentials (unless `CONNECT_PLAYGROUND=off`) the same app runs against the
    playground's fake Slack, Jira and GitHub, and serves its page at `/playground`.
    """
    import threading

    from werkzeug.serving import make_server

    from bot.socket_mode import start_socket_mode
    from web.lifecycle import InFlight, shut_down
    from web.webhooks import WORKER_EXTENSION

    playground = None
    if settings.playground:
        from playground.runner import Playground, summary

        playground = Playground.start()
        settings = playground.app_settings(settings)
        log.info(
            "playground.fakes %s", " ".join(f"{k}={v}" for k, v in summary(playground).items())
        )
    app = create_app(settings)
    if playground is not None:
        playground.attach(app)
    in_flight = InFlight(app.wsgi_app)
    app.wsgi_app = in_flight
    server = make_server(settings.connect_host, settings.connect_port, app, threaded=True)
    log.info("http.listening host=%s port=%s", settings.connect_host, server.server_port)
    socket_mode = start_socket_mode(app.extensions[EXTENSION])  # with SLACK_APP_TOKEN
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    if playground is not None:
        any_address = settings.connect_host in ("0.0.0.0", "::", "")
        host = "127.0.0.1" if any_address else settings.connect_host
        playground.ready(f"http://{host}:{server.server_port}")
        log.info("playground.ready url=http://%s:%s/playground", host, server.server_port)
    stop.wait()
    shut_down(
        stop,
        grace=settings.connect_shutdown_grace_seconds,
        server=server,
        in_flight=in_flight,
        socket_mode=socket_mode,
        worker=app.extensions.get(WORKER_EXTENSION),
        intake=app.extensions[EXTENSION].repos.intake,
    )
    if playground is not None:
        playground.stop()


def database_command(settings: Settings, args: list[str]) -> int:
    db = Database(settings.database_url)
    action = args[0] if args else "upgrade"
    if action == "upgrade":
        db.upgrade(args[1] if len(args) > 1 else "head")
    elif action == "downgrade":
        db.downgrade(args[1] if len(args) > 1 else "base")
    elif action == "current":
        from alembic import command

        from storage.db import alembic_config

        command.current(alembic_config(db))
    else:
        print(f"unknown db command {action!r}: use upgrade, downgrade or current", file=sys.stderr)
        return 2
    print(f"database {action} done: {db.display_url}")
    return 0


def main(argv: list[str]) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"connect: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    command = argv[0] if argv else "serve"
    refused = settings.connect_playground is PlaygroundMode.ON and settings.slack_configured
    if command == "serve" and refused:
        print(
            "connect: CONNECT_PLAYGROUND=on, but SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are "
            "set: the playground never runs with real Slack credentials (unset them, or "
            "CONNECT_PLAYGROUND)",
            file=sys.stderr,
        )
        return 2
    if command == "db":
        return database_command(settings, argv[1:])
    if command not in ("serve", "worker"):
        print(f"unknown command {command!r}: use serve, worker or db", file=sys.stderr)
        return 2
    stop = StopSignals().install()  # a signal from here on only sets state
    if command == "worker":
        return run_worker(settings, stop)
    serve(settings, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
