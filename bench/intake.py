"""Webhook benchmarks: durable intake throughput, and webhook → Slack post latency.

`webhook_intake(seconds)`: signed ~8 KB Jira webhooks to `POST /webhooks/jira` of the real
app (gunicorn 2x8 gthread, SQLite, then PostgreSQL, the in-process worker off so only intake
is measured: signature, size limit, JSON, classification, one INSERT per request, 202),
against a bare Flask endpoint that only checks the HMAC of the same body
(`bench.apps:hmac_only`), the three taking turns in the same run (`bench.load.run_turns`).
Every request has its own delivery id, so none is answered from the de-duplication path.

`delivery_latency(seconds)`: the app with its in-process delivery worker and the fake Slack;
comment webhooks for 50 issues linked to Slack threads are sent at a steady 50 per second
(open loop: a pool of senders keeps the schedule whatever the answers' latency) and each is
timed from the moment its request is sent to the moment the fake Slack receives the
`chat.postMessage` tagged with its integration id. p99 includes queueing.

    python bench/intake.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import hmac
import http.client
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.apps import SECRET as BASELINE_SECRET
from bench.load import Load, Result, gunicorn, run_turns, table

JIRA_SECRET = "bench-jira-secret"
TARGET_BYTES = 8 * 1024
SENDERS = 8
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "jira-webhooks"


def _comment_payload(key: str, comment_id: str, size: int = TARGET_BYTES) -> dict[str, Any]:
    """A real Cloud `comment_created` payload for `key`, its body padded to about `size` bytes."""
    payload = json.loads((CORPUS / "webhook-cloud-comment-created.json").read_text())
    payload = copy.deepcopy(payload)
    payload["issue"]["key"] = key
    payload["comment"]["id"] = comment_id
    filler = size - len(json.dumps(payload))
    words = "lorem ipsum dolor sit amet " * (max(0, filler) // 27 + 1)
    payload["comment"]["body"] = "Benchmark comment. " + words[: max(0, filler - 20)]
    return payload


def _sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def webhook_intake(seconds: float) -> list[tuple[str, Result, str]]:
    """The three rows' servers up together, measured in turns (`run_turns`)."""
    body = json.dumps(_comment_payload("BENCH-1", "1")).encode()
    baseline_headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issue_comment",
        "X-Hub-Signature-256": _sign(BASELINE_SECRET, body),
    }
    signature = _sign(JIRA_SECRET.encode(), body)
    run_id = int(time.time() * 1000)

    def signed(client: int, n: int) -> tuple[str, str, bytes, dict[str, str]]:
        return (
            "POST",
            "/webhooks/jira",
            body,
            {
                "Content-Type": "application/json",
                "X-Hub-Signature": signature,
                # the client's process too: every turn's clients count from 0 again
                "X-Atlassian-Webhook-Identifier": f"bench-{run_id}-{os.getpid()}-{client}-{n}",
            },
        )

    from storage import Database
    from tests.support import databases

    def app(servers: ExitStack, database_url: str) -> str:
        Database(database_url).upgrade()
        env = {
            "DATABASE_URL": database_url,
            "CONNECT_WORKER": "off",
            "CONNECT_LOG_LEVEL": "WARNING",
            "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
        }
        return servers.enter_context(gunicorn("app:create_app()", env))

    with ExitStack() as servers:
        baseline = servers.enter_context(gunicorn("bench.apps:hmac_only()", {}))
        loads = [
            Load(
                "bare Flask, HMAC check only (baseline)",
                baseline,
                lambda c, n: ("POST", "/webhooks/github", body, baseline_headers),
            )
        ]
        notes = [f"{len(body):,} B body, gunicorn 2x8 gthread"]
        tmp = servers.enter_context(tempfile.TemporaryDirectory())
        loads.append(
            Load(
                "POST /webhooks/jira (SQLite, durable)",
                app(servers, f"sqlite:///{tmp}/bench.db"),
                signed,
            )
        )
        notes.append("verify + parse + classify + INSERT, 202")
        if databases.unreachable_reason("postgresql") is None:
            database_url = servers.enter_context(databases.server_database("postgresql"))
            url = app(servers, database_url)
            loads.append(Load("POST /webhooks/jira (PostgreSQL, durable)", url, signed))
            notes.append("same, on PostgreSQL 127.0.0.1")
        results = run_turns(loads, seconds=seconds)
    return [("webhook", result, note) for result, note in zip(results, notes, strict=True)]


def delivery_latency(
    seconds: float, rate: float = 50.0, issues: int = 50
) -> list[tuple[str, Result, str]]:
    from playground.fakes.slack import FakeSlack
    from storage import Database, Repositories
    from storage.domain import MappingType, slack_ref

    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        database_url = f"sqlite:///{tmp}/latency.db"
        db = Database(database_url)
        db.upgrade()
        repos = Repositories.on(db)
        for number in range(1, issues + 1):
            root = slack.add_message("C0GENERAL", f"BENCH-{number}")
            repos.mappings.link(
                MappingType.ISSUE_THREAD,
                "jira",
                f"BENCH-{number}",
                "slack",
                slack_ref("C0GENERAL", root.ts),
            )
        db.dispose()
        env = {
            "DATABASE_URL": database_url,
            "CONNECT_WORKER": "on",
            "CONNECT_WORKER_POLL_SECONDS": "1.0",
            "CONNECT_LOG_LEVEL": "WARNING",
            "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_API_URL": slack.api_url,
            # the pipeline's latency, not Slack's one post a second per channel: no pacing
            "CONNECT_SLACK_CHANNEL_POSTS_PER_SECOND": "0",
        }
        with gunicorn("app:create_app()", env) as url:
            sent = _send_steadily(url, seconds, rate, issues)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if len(slack.calls("chat.postMessage")) >= len(sent):
                    break
                time.sleep(0.05)
        received: dict[int, float] = {}
        for call in slack.calls("chat.postMessage"):
            metadata = call.args.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            integration_id = (metadata or {}).get("event_payload", {}).get("integration_id")
            if integration_id is not None:
                received.setdefault(int(integration_id), call.received_at)
    latencies = sorted(received[i] - t for i, t in sent.items() if i in received)
    missing = len(sent) - len(latencies)
    result = Result(
        name="webhook → fake Slack chat.postMessage",
        requests=len(latencies),
        errors=missing,
        seconds=seconds,
        p50_ms=statistics.median(latencies) * 1000 if latencies else float("nan"),
        p99_ms=latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
        if latencies
        else float("nan"),
        statuses={200: len(latencies)},
    )
    note = f"open loop {rate:.0f}/s over {issues} threads, in-process worker, SQLite"
    return [("delivery", result, note)]


def _send_steadily(url: str, seconds: float, rate: float, issues: int) -> dict[int, float]:
    """POST comment webhooks at `rate` per second; integration id → monotonic send time.

    Open loop: request n is sent at `n / rate` seconds whether or not the earlier ones have
    been answered, by a small pool of senders (one keep-alive connection each), so a slow
    answer delays no later request."""
    parts = urlsplit(url)
    local = threading.local()
    sent: dict[int, float] = {}
    started = time.monotonic()

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)

    def post(body: bytes, headers: dict[str, str]) -> http.client.HTTPResponse:
        """On the sender's keep-alive connection; a new one when the server closed it (an
        idle sender's connection outlives gunicorn's keep-alive)."""
        if not hasattr(local, "connection"):
            local.connection = connect()
        try:
            local.connection.request("POST", "/webhooks/jira", body=body, headers=headers)
            return local.connection.getresponse()
        except (OSError, http.client.HTTPException):
            local.connection.close()
            local.connection = connect()
            local.connection.request("POST", "/webhooks/jira", body=body, headers=headers)
            return local.connection.getresponse()

    def send(n: int) -> None:
        key = f"BENCH-{n % issues + 1}"
        body = json.dumps(_comment_payload(key, f"9{n:06d}", size=2048)).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": _sign(JIRA_SECRET.encode(), body),
            "X-Atlassian-Webhook-Identifier": f"latency-{started}-{n}",
        }
        at = time.monotonic()
        response = post(body, headers)
        answer = json.loads(response.read() or b"{}")
        if response.status == 202:
            sent[int(answer["integration_id"])] = at

    with ThreadPoolExecutor(SENDERS) as pool:
        futures = []
        n = 0
        while time.monotonic() - started < seconds:
            pause = started + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(send, n))
            n += 1
        for future in futures:
            future.result()
    return sent


BENCHMARKS = {"webhook": webhook_intake, "delivery": delivery_latency}


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake Slack's request lines
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    rows: list[tuple[str, Result, str]] = []
    for run in BENCHMARKS.values():
        rows += run(args.seconds)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
