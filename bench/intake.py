"""Webhook benchmarks: durable intake throughput, and webhook → Slack post latency.

`webhook_intake(seconds)`: signed ~8 KB Jira webhooks to `POST /webhooks/jira` of the real
app (gunicorn 2x8 gthread, SQLite, the in-process worker off so only intake is measured:
signature, size limit, JSON, classification, one INSERT per request, 202), against a bare Flask
endpoint that only checks the HMAC of the same body (`bench.apps:hmac_only`) in the same run.
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
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.apps import SECRET as BASELINE_SECRET
from bench.load import Result, gunicorn, run_load, table

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
    body = json.dumps(_comment_payload("BENCH-1", "1")).encode()
    rows: list[tuple[str, Result, str]] = []

    baseline_headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issue_comment",
        "X-Hub-Signature-256": _sign(BASELINE_SECRET, body),
    }
    with gunicorn("bench.apps:hmac_only()", {}) as url:
        result = run_load(
            "bare Flask, HMAC check only (baseline)",
            url,
            lambda c, n: ("POST", "/webhooks/github", body, baseline_headers),
            seconds=seconds,
        )
        rows.append(("webhook", result, f"{len(body):,} B body, gunicorn 2x8 gthread"))

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
                # the client's process too: the warm-up's clients count from 0 as well
                "X-Atlassian-Webhook-Identifier": f"bench-{run_id}-{os.getpid()}-{client}-{n}",
            },
        )

    with tempfile.TemporaryDirectory() as tmp:
        from storage import Database

        database_url = f"sqlite:///{tmp}/bench.db"
        Database(database_url).upgrade()
        env = {
            "DATABASE_URL": database_url,
            "CONNECT_WORKER": "off",
            "CONNECT_LOG_LEVEL": "WARNING",
            "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
        }
        with gunicorn("app:create_app()", env) as url:
            result = run_load("POST /webhooks/jira (SQLite, durable)", url, signed, seconds=seconds)
            rows.append(("webhook", result, "verify + parse + classify + INSERT, 202"))

    from tests.support import databases

    if databases.unreachable_reason("postgresql") is None:
        with databases.server_database("postgresql") as database_url:
            Database(database_url).upgrade()
            env = {
                "DATABASE_URL": database_url,
                "CONNECT_WORKER": "off",
                "CONNECT_LOG_LEVEL": "WARNING",
                "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
            }
            with gunicorn("app:create_app()", env) as url:
                result = run_load(
                    "POST /webhooks/jira (PostgreSQL, durable)", url, signed, seconds=seconds
                )
                rows.append(("webhook", result, "same, on PostgreSQL 127.0.0.1"))
    return rows


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
