"""basecamp-connect: entry point. Wires settings, storage, the Bolt app and the HTTP routes.

python app.py              HTTP service (+ delivery worker, + Socket Mode with SLACK_APP_TOKEN)
python app.py worker       a delivery worker only
python app.py db upgrade   migrate DATABASE_URL to the latest schema (also: downgrade, current)
gunicorn 'app:create_app()'
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, g, request

from settings import ConfigError, Settings, load_settings
from storage import Database, Repositories
from web.logging import configure_logging
from web.metrics import Metrics
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
    repos = Repositories.on(db)
    runtime = Runtime(
        settings=settings,
        repos=repos,
        metrics=Metrics(repos.integrations.count_by_status),
        health_checks={},
    )

    if settings.slack_configured:
        from slack_bolt.adapter.flask import SlackRequestHandler

        from bot import build_bolt_app

        runtime.bolt = build_bolt_app(settings, repos)
        runtime.bolt_handler = SlackRequestHandler(runtime.bolt)
    else:
        log.warning(
            "slack.not_configured: /slack/events answers 503 until SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET are set"
        )

    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=settings.connect_max_body_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = runtime
    _register(app)
    log.info("app.created database=%s slack=%s", db.display_url, settings.slack_configured)
    return app


def _register(app: Flask) -> None:
    from web import api, health, slack
    from web.errors import register_error_handlers

    register_error_handlers(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(slack.bp)

    metrics: Metrics = app.extensions[EXTENSION].metrics

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):  # type: ignore[no-untyped-def]
        route = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.http_requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.http_latency.labels(route).observe(time.perf_counter() - g.get("started", 0.0))
        return response


def serve(settings: Settings) -> None:
    """`python app.py`: the HTTP service on CONNECT_HOST:CONNECT_PORT."""
    from werkzeug.serving import make_server

    app = create_app(settings)
    server = make_server(settings.connect_host, settings.connect_port, app, threaded=True)
    log.info("http.listening host=%s port=%s", settings.connect_host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("http.stopping")
    finally:
        server.server_close()


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
    print(f"unknown command {command!r}: use serve, worker or db", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
