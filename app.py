"""basecamp-connect: entry point. Wires settings, storage, the Bolt app and the HTTP routes.

python app.py              HTTP service (+ delivery worker, + Socket Mode with SLACK_APP_TOKEN)
python app.py worker       a delivery worker only
python app.py db upgrade   migrate DATABASE_URL to the latest schema (also: downgrade, current)
gunicorn 'app:create_app()'
"""

from __future__ import annotations

import logging
import signal
import sys
import time

from flask import Flask, g, request

from integrations.container import Container, build_container
from settings import ConfigError, Settings, WorkerMode, load_settings
from storage import Database, Repositories
from web.logging import configure_logging
from web.metrics import Metrics
from web.runtime import EXTENSION, Runtime

log = logging.getLogger("connect")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


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
        metrics=Metrics(repos.integrations.count_by_status),
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

        app.extensions[WORKER_EXTENSION] = start_worker(container, runtime.metrics)
    log.info("app.created database=%s slack=%s", db.display_url, settings.slack_configured)
    return app


def _register(app: Flask) -> None:
    from web import api, health, people_api, slack, webhooks
    from web.errors import register_error_handlers

    register_error_handlers(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(people_api.bp)
    app.register_blueprint(slack.bp)
    app.register_blueprint(webhooks.bp)

    metrics: Metrics = app.extensions[EXTENSION].metrics

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):  # type: ignore[no-untyped-def]
        route = request.url_rule.rule if request.url_rule else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        metrics.http_requests.labels(method, route, str(response.status_code)).inc()
        metrics.http_latency.labels(route).observe(time.perf_counter() - g.get("started", 0.0))
        return response


def start_worker(container: Container, metrics: Metrics):  # -> Worker
    """The delivery worker in background threads of this process (`CONNECT_WORKER=on`).

    Started by `create_app`, so `python app.py` and every gunicorn worker process deliver
    (gunicorn's `--preload` would start it before the fork, where its threads do not
    survive: use `CONNECT_WORKER=off` with `python app.py worker` processes there).
    """
    from prometheus_client import Gauge

    from integrations.delivery.worker import Worker

    def count(target: str, outcome: str) -> None:
        metrics.deliveries.labels(target, outcome).inc()

    worker = Worker(container, on_outcome=count).start()
    Gauge(
        "connect_worker_threads_alive",
        "Delivery worker threads running in this process",
        registry=metrics.registry,
    ).set_function(lambda: worker.alive_threads)
    return worker


def run_worker(settings: Settings) -> int:
    """`python app.py worker`: deliver until SIGTERM/SIGINT, then finish the events in hand."""
    import signal

    from integrations.delivery.worker import Worker

    db = Database(settings.database_url)
    if settings.is_sqlite:
        db.upgrade()
    worker = Worker(build_container(settings, Repositories.on(db)))
    if not worker.container.slack_configured:
        print("connect worker: SLACK_BOT_TOKEN is not set; nothing is delivered", file=sys.stderr)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.request_stop())
    worker.start()
    worker.wait()
    worker.stop()
    db.dispose()
    return 0


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def serve(settings: Settings) -> None:
    """`python app.py`: the HTTP service on CONNECT_HOST:CONNECT_PORT."""
    from werkzeug.serving import make_server

    app = create_app(settings)
    server = make_server(settings.connect_host, settings.connect_port, app, threaded=True)
    log.info("http.listening host=%s port=%s", settings.connect_host, server.server_port)
    from bot.socket_mode import start_socket_mode

    socket_mode = start_socket_mode(app.extensions[EXTENSION])  # with SLACK_APP_TOKEN
    signal.signal(signal.SIGTERM, _interrupt)  # stop as on Ctrl-C: the same clean shutdown
    try:
        server.serve_forever()  # returns on Ctrl-C or SIGTERM (Werkzeug takes the interrupt)
    except KeyboardInterrupt:
        pass
    finally:
        log.info("http.stopping")
        server.server_close()
        if socket_mode is not None:
            socket_mode.stop()
        from web.webhooks import WORKER_EXTENSION

        if (worker := app.extensions.get(WORKER_EXTENSION)) is not None:
            worker.stop()


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
    if command == "serve":
        serve(settings)
        return 0
    if command == "db":
        return database_command(settings, argv[1:])
    if command == "worker":
        return run_worker(settings)
    print(f"unknown command {command!r}: use serve, worker or db", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
