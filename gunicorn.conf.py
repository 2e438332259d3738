"""gunicorn's settings for this service (read from the working directory: `make run-prod`).

Prometheus multiprocess mode, so that `/metrics` covers every worker process whichever one
answers the scrape (`web/metrics.py`): each process writes its metrics to files in
`PROMETHEUS_MULTIPROC_DIR`, and a scrape merges them.

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
from typing import Any

_created: str | None = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _created = tempfile.mkdtemp(prefix="connect-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _created


def on_starting(server: Any) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _created is not None:
        shutil.rmtree(_created, ignore_errors=True)
