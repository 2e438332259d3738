"""gunicorn settings for `make run-prod`: `gunicorn -c gunicorn.conf.py 'app:create_app()'`
(gunicorn also reads this file by itself when started from this directory).

Shutdown. gunicorn handles SIGTERM (graceful: in-flight requests finish within
`graceful_timeout`) and SIGINT/SIGQUIT (quick) for the HTTP side; these hooks stop the
delivery worker that `create_app` starts in each gunicorn worker process (`web.lifecycle`):
it stops claiming when the signal arrives, and when the gunicorn worker exits, its
deliveries in hand finish within CONNECT_SHUTDOWN_GRACE_SECONDS or are released to the next
worker. Keep that grace below `graceful_timeout`, after which gunicorn kills its workers.

Metrics. Prometheus multiprocess mode, so that `/metrics` covers every worker process
whichever one answers the scrape (`web/metrics.py`): each process writes its metrics to
files in `PROMETHEUS_MULTIPROC_DIR`, and a scrape merges them.

- The directory is the one `PROMETHEUS_MULTIPROC_DIR` names (its `*.db` files from an earlier
  run are removed at start: they would be counted again), else a fresh temporary directory,
  removed at exit. It is set here, before any worker imports prometheus_client: the mode is
  chosen when prometheus_client is imported.
- When a worker process exits, its live gauges are dropped (`mark_process_dead`); its
  counters stay, so a restarted worker does not reset the service's counts.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

graceful_timeout = 30

_created: str | None = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _created = tempfile.mkdtemp(prefix="connect-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _created


def on_starting(server: Arbiter) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def post_worker_init(worker: Worker) -> None:
    from web.lifecycle import gunicorn_post_worker_init

    gunicorn_post_worker_init(worker)


def worker_exit(server: Arbiter, worker: Worker) -> None:
    from web.lifecycle import gunicorn_worker_exit

    gunicorn_worker_exit(worker)


def child_exit(server: Arbiter, worker: Worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Arbiter) -> None:
    if _created is not None:
        shutil.rmtree(_created, ignore_errors=True)
