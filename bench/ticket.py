"""Ack latency of signed `/ticket` slash commands: the app vs a bare Bolt app, same run.

Both are served by gunicorn (2 gthread workers x 8 threads) on 127.0.0.1 and loaded by 16
closed-loop clients sending Slack-signed `/ticket` requests. Slack's Web API is a minimal
stub in a subprocess of its own (`SlackStub`): Bolt's first request per worker calls
`auth.test`, and the app's lazy listener calls `views.open` after every ack. (The test
suite's `FakeSlack` records and validates every call under one lock; at a thousand
`views.open` a second it became the bottleneck and its backlog of lazy calls skewed the
next measurement, so it is not used here.)

- baseline: a bare Bolt app, `process_before_response=True`, one listener that only acks;
- `/ticket`: the app's listener acks at once, then (lazily) looks up the channel's default
  project and opens the modal;
- `/ticket help`: the ack itself carries the help text (the channel's default project is
  read from the database, cached for 5 s); its listener has no lazy part.

    python bench/ticket.py [--quick]     (or `make bench`, through bench/run.py)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import Result, gunicorn, run_load, table
from playground.fakes import slack_payloads

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"


class _SlackStubHandler(BaseHTTPRequestHandler):
    """Answers the Web API methods the benchmark reaches, at once, without keeping anything."""

    protocol_version = "HTTP/1.1"
    ANSWERS = {
        "auth.test": {
            "ok": True,
            "url": "https://bench.slack.com/",
            "team": "Bench",
            "user": "connect",
            "team_id": "T0TEST",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
        },
        "views.open": {"ok": True, "view": {"id": "V0BENCH", "hash": "1700000000.bench"}},
    }

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        method = self.path.rsplit("/", 1)[-1]
        body = json.dumps(self.ANSWERS.get(method, {"ok": True})).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:  # no access log
        return


def _serve_stub(port: mp.Value) -> None:  # type: ignore[valid-type]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlackStubHandler)
    server.daemon_threads = True
    port.value = server.server_address[1]  # type: ignore[attr-defined]
    server.serve_forever()


@contextmanager
def slack_stub() -> Iterator[str]:
    """The stub Slack Web API in its own process; yields its `SLACK_API_URL`."""
    ctx = mp.get_context("fork")
    port = ctx.Value("i", 0)
    process = ctx.Process(target=_serve_stub, args=(port,), daemon=True)
    process.start()
    deadline = time.monotonic() + 10
    while port.value == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port.value}/api/"
    finally:
        process.terminate()
        process.join(5)


def bare_bolt():  # -> Flask, for gunicorn 'bench.ticket:bare_bolt()'
    """The baseline: Bolt with `process_before_response=True` and an ack-only `/ticket`."""
    import os

    from flask import Flask, request
    from slack_bolt import Ack, App
    from slack_bolt.adapter.flask import SlackRequestHandler
    from slack_sdk import WebClient

    bolt = App(
        client=WebClient(token=BOT_TOKEN, base_url=os.environ["SLACK_API_URL"]),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
        token_verification_enabled=False,
    )

    @bolt.command("/ticket")
    def ack_only(ack: Ack) -> None:
        ack()

    handler = SlackRequestHandler(bolt)
    app = Flask("bare_bolt")

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.post("/slack/events")
    def events():  # type: ignore[no-untyped-def]
        return handler.handle(request)

    return app


def slash_command(text: str):  # -> RequestFactory
    """Signed `/ticket <text>` requests, each with its own trigger id and a fresh timestamp."""

    def make(client: int, number: int) -> tuple[str, str, bytes, dict[str, str]]:
        payload = slack_payloads.slash_command(
            command="/ticket",
            text=text,
            user_id="U0ALICE",
            user_name="alice",
            channel_id="C0GENERAL",
            channel_name="general",
            trigger_id=f"{13345224609 + number}.738474920.{client:04d}{number:017x}",
            response_url=f"https://hooks.slack.com/commands/T0TEST/{client}/{number}",
        )
        body = urlencode(payload).encode()
        headers = slack_payloads.signed_headers(
            body,
            SIGNING_SECRET,
            timestamp=int(time.time()),
            content_type="application/x-www-form-urlencoded",
        )
        return "POST", "/slack/events", body, headers

    return make


def ticket_ack(seconds: float) -> list[tuple[str, Result, str]]:
    """`/ticket` ack latency, app vs bare Bolt, 16 clients, gunicorn 2x8 gthread."""
    from storage import Database

    rows: list[tuple[str, Result, str]] = []
    with slack_stub() as slack_api_url:
        slack_env = {"SLACK_API_URL": slack_api_url}
        with gunicorn("bench.ticket:bare_bolt()", slack_env) as url:
            baseline = run_load(
                "bare Bolt, ack-only /ticket (baseline)", url, slash_command(""), seconds=seconds
            )
            rows.append(("ticket", baseline, "process_before_response=True"))
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **slack_env,
                "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                "CONNECT_WORKER": "off",
                "CONNECT_LOG_LEVEL": "WARNING",
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            }
            Database(env["DATABASE_URL"]).upgrade()
            with gunicorn("app:create_app()", env) as url:
                help_ = run_load(
                    "/ticket help (the help is the ack)",
                    url,
                    slash_command("help"),
                    seconds=seconds,
                )
                rows.append(("ticket", help_, "answered in the ack, no lazy part"))
                modal = run_load(
                    "/ticket (ack, then views.open)", url, slash_command(""), seconds=seconds
                )
                rows.append(("ticket", modal, "lazy listener per ack"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 s per measurement")
    args = parser.parse_args()
    print(table(ticket_ack(2.0 if args.quick else 8.0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
