"""Where the intake's CPU goes: py-spy over both gunicorn workers under load.

    python bench/profile.py [--route webhook|api] [--database sqlite|postgresql] [--seconds 8]

Serves the app as `make bench` does (gunicorn 2x8 gthread, the in-process worker off), loads
`POST /webhooks/jira` (or `POST /api/v1/integrations`) with 16 clients, and samples every
thread holding the GIL (`py-spy record --gil --subprocesses`). Prints the share of the
samples in each step of the intake, the writer thread's share, and the functions with the
most samples of their own (`--raw` keeps the stacks). py-spy is a dev dependency
(`pyproject.toml`); it needs to be allowed to read the workers' memory (same user, no ptrace
restriction).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import JIRA_SECRET, _comment_payload, _sign
from bench.load import gunicorn, run_load
from bench.run import API_BODY

STEPS = {
    "HMAC verify": "_verify (web/webhooks.py",
    "read body": "_read_body (web/webhooks.py",
    "JSON parse and checks": "_parse (web/webhooks.py",
    "classify": "_classify (web/webhooks.py",
    "store (the request's side)": "_store (web/webhooks.py",
    "metrics": "(web/metrics.py",
    "the webhook route, all of it": "_receive (web/webhooks.py",
    "the API route, all of it": "record_integration (web/api.py",
    "Flask, all of it": "wsgi_app (flask/app.py",
    "gunicorn request handling, all of it": "handle (gunicorn/workers/gthread.py",
    "intake writer thread": "_run (storage/intake_writer.py",
    "  of which the INSERT": "execute (storage/batch_insert.py",
}


def summarise(raw: Path, top: int = 15) -> str:
    own: collections.Counter[str] = collections.Counter()
    steps: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[re.sub(r":\d+\)", ")", frames[-1])] += n
        for label, pattern in STEPS.items():
            if any(pattern in frame for frame in frames):
                steps[label] += n
    lines = [f"{total} samples holding the GIL"]
    lines += [f"  {100 * steps[label] / total:5.1f} %  {label}" for label in STEPS]
    lines.append("most samples of their own:")
    lines += [f"  {100 * n / total:5.1f} %  {name[:110]}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--route", choices=["webhook", "api"], default="webhook")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--raw", type=Path, help="also keep py-spy's raw stacks here")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    body = json.dumps(_comment_payload("BENCH-1", "1")).encode()
    signature = _sign(JIRA_SECRET.encode(), body)
    run_id = f"{time.time():.0f}"
    phase = ["warm"]

    def signed(client: int, n: int) -> tuple[str, str, bytes, dict[str, str]]:
        if args.route == "api":
            return ("POST", "/api/v1/integrations", API_BODY, {"Content-Type": "application/json"})
        return (
            "POST",
            "/webhooks/jira",
            body,
            {
                "Content-Type": "application/json",
                "X-Hub-Signature": signature,
                "X-Atlassian-Webhook-Identifier": f"profile-{run_id}-{phase[0]}-{client}-{n}",
            },
        )

    def profile(database_url: str) -> None:
        from storage import Database

        Database(database_url).upgrade()
        env = {
            "DATABASE_URL": database_url,
            "CONNECT_WORKER": "off",
            "CONNECT_LOG_LEVEL": "WARNING",
            "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
        }
        with gunicorn("app:create_app()", env) as url, tempfile.TemporaryDirectory() as tmp:
            run_load("warm-up", url, signed, seconds=1, warmup_seconds=0)
            phase[0] = "measured"
            port = url.rsplit(":", 1)[1]
            master = subprocess.check_output(["pgrep", "-o", "-f", f"gunicorn.*:{port}"])
            raw = Path(tmp) / "profile.txt"
            command = [spy, "record", "--pid", master.split()[0].decode(), "--subprocesses"]
            command += ["--gil", "--nonblocking", "--rate", "200", "--format", "raw"]
            command += ["--duration", str(int(args.seconds)), "--output", str(raw)]
            recorder = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            result = run_load("intake", url, signed, seconds=args.seconds, warmup_seconds=0)
            recorder.wait()
            print(
                f"{args.route} ({args.database}): {result.rps:,.0f} req/s, "
                f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
            )
            print(summarise(raw))
            if args.raw:
                shutil.copyfile(raw, args.raw)

    if args.database == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            profile(f"sqlite:///{tmp}/profile.db")
    else:
        from tests.support import databases

        with databases.server_database("postgresql") as database_url:
            profile(database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
