"""`make bench`: every benchmark next to its baseline, measured in the same run.

    python bench/run.py [--quick] [--only NAME ...]

Prints a markdown table (and writes it to bench/results/latest.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import ROOT, Load, Result, gunicorn, run_turns, table

API_BODY = json.dumps(
    {
        "source_service": "github",
        "target_service": "slack",
        "event_type": "bench",
        "payload": {"x": "y" * 512},
    }
).encode()
"""What the API row posts to `POST /api/v1/integrations`."""


def api_intake(seconds: float) -> list[tuple[str, Result, str]]:
    """POST /api/v1/integrations (durable SQLite insert) vs Flask hello, 16 clients, the two
    taking turns (`run_turns`)."""
    from storage import Database

    headers = {"Content-Type": "application/json"}
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "CONNECT_WORKER": "off",
            "CONNECT_LOG_LEVEL": "WARNING",
        }
        Database(env["DATABASE_URL"]).upgrade()
        with gunicorn("bench.apps:hello()", {}) as hello, gunicorn("app:create_app()", env) as app:
            results = run_turns(
                [
                    Load("flask hello (baseline)", hello, lambda c, n: ("GET", "/health", b"", {})),
                    Load(
                        "POST /api/v1/integrations (SQLite)",
                        app,
                        lambda c, n: ("POST", "/api/v1/integrations", API_BODY, headers),
                    ),
                ],
                seconds=seconds,
            )
    notes = ["gunicorn 2x8 gthread", "durable insert per request"]
    return [("api", result, note) for result, note in zip(results, notes, strict=True)]


def _webhook(seconds: float) -> list[tuple[str, Result, str]]:
    from bench.intake import webhook_intake

    return webhook_intake(seconds)


def _delivery(seconds: float) -> list[tuple[str, Result, str]]:
    from bench.intake import delivery_latency

    return delivery_latency(seconds)


def _ticket(seconds: float) -> list[tuple[str, Result, str]]:
    from bench.ticket import ticket_ack

    return ticket_ack(seconds)


BENCHMARKS = {
    "ticket": _ticket,
    "webhook": _webhook,
    "delivery": _delivery,
    "api": api_intake,
}


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake Slack's request lines
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 s per measurement")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=None)
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 8.0
    rows: list[tuple[str, Result, str]] = []
    started = time.monotonic()
    for name in args.only or BENCHMARKS:
        rows += BENCHMARKS[name](seconds)
    output = (
        f"basecamp-connect benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{seconds:.0f} s per measurement, 16 closed-loop clients unless noted, 127.0.0.1"
        f"\n\n{table(rows)}\n"
    )
    print(output)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(output)
    print(f"(took {time.monotonic() - started:.0f} s; written to bench/results/latest.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
