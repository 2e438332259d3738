"""Prometheus metrics: one set per app instance, covering every process under gunicorn.

Two modes, chosen by the environment when the process starts:

- one process (`python app.py`, tests): a registry per app instance (tests build many apps
  in one process), rendered as is;
- Prometheus multiprocess mode (`PROMETHEUS_MULTIPROC_DIR` set before prometheus_client was
  imported, as `gunicorn.conf.py` does for `make run-prod`): every process writes its
  counters, histograms and gauges to files in that directory, and `/metrics`, whichever
  process answers, merges the files of all of them. Counters of a process that exited stay
  counted (gunicorn restarting a worker does not reset the service's counts); the gauge of
  running delivery threads is summed over the live processes only (`livesum`).

The queue gauges are read from the database when scraped, so any process tells the whole
service's queue: events by status, and per target the pending count, the oldest pending
event's age, and how long the longest-waiting deliverable event has waited for a worker.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from storage.domain import Backlog
from storage.types import utcnow

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
KNOWN_TARGETS = ("slack", "jira")


def multiprocess_dir() -> str | None:
    """The multiprocess directory when this process records into it; None otherwise (also
    when the variable was set too late: after prometheus_client was imported)."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return None
    if not getattr(prometheus_values.ValueClass, "_multiprocess", False):
        log.warning(
            "metrics.multiprocess_too_late: %s was set after prometheus_client was imported; "
            "/metrics shows this process only",
            MULTIPROC_ENV,
        )
        return None
    return path


class _QueueCollector(Collector):
    """The queue as the database has it, read when scraped."""

    def __init__(
        self,
        counts: Callable[[], dict[str, int]],
        backlog: Callable[[], Mapping[str, Backlog]],
    ) -> None:
        self._counts = counts
        self._backlog = backlog

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:  # a scrape must not fail because the database did: no queue data then
            counts = self._counts()
            backlog = self._backlog()
        except Exception:
            log.warning("metrics.queue_unavailable", exc_info=True)
            return
        events = GaugeMetricFamily(
            "connect_integration_events", "Integration events by status", labels=["status"]
        )
        for status in ("pending", "completed", "failed", "ignored"):
            events.add_metric([status], counts.get(status, 0))
        yield events
        yield from self._per_target(backlog)

    @staticmethod
    def _per_target(backlog: Mapping[str, Backlog]) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        depth = GaugeMetricFamily(
            "connect_queue_depth", "Pending events by target", labels=["target"]
        )
        age = GaugeMetricFamily(
            "connect_queue_oldest_pending_age_seconds",
            "Age of the oldest pending event by target (0 when none is pending)",
            labels=["target"],
        )
        wait = GaugeMetricFamily(
            "connect_queue_longest_wait_seconds",
            "How long the longest-waiting deliverable event (due, first of its thread, not "
            "leased) has waited for a worker, by target (0 when none waits)",
            labels=["target"],
        )
        for target in sorted({*KNOWN_TARGETS, *backlog}):
            stats = backlog.get(target) or Backlog(target, 0, None, None)
            depth.add_metric([target], stats.pending)
            age.add_metric([target], stats.oldest_age(now))
            wait.add_metric([target], stats.longest_wait(now))
        yield from (depth, age, wait)


class Metrics:
    def __init__(
        self,
        queue_counts: Callable[[], dict[str, int]],
        backlog: Callable[[], Mapping[str, Backlog]],
        *,
        multiprocess: str | None = None,
    ) -> None:
        """`multiprocess`: the directory of Prometheus multiprocess mode (`multiprocess_dir()`),
        or None for this process's metrics only."""
        self.registry = CollectorRegistry()
        # In multiprocess mode the metrics live in the directory's files, which one collector
        # merges; registering them here too would show this process's values twice.
        own = None if multiprocess else self.registry
        self.http_requests = Counter(
            "connect_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=own,
        )
        self.http_latency = Histogram(
            "connect_http_request_duration_seconds",
            "HTTP request latency by route",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=own,
        )
        self.webhooks = Counter(
            "connect_webhooks_received",
            "Webhook deliveries by source and outcome",
            ["source", "outcome"],
            registry=own,
        )
        self.deliveries = Counter(
            "connect_deliveries",
            "Delivery attempts by target and outcome",
            ["target", "outcome"],
            registry=own,
        )
        self.worker_threads_alive = Gauge(
            "connect_worker_threads_alive",
            "Delivery worker threads running (summed over the live processes)",
            registry=own,
            multiprocess_mode="livesum",
        )
        if multiprocess:
            MultiProcessCollector(self.registry, path=multiprocess)
        self.registry.register(_QueueCollector(queue_counts, backlog))
        # a labelled child is looked up once: `labels()` hashes and locks on every call
        self._children: dict[tuple[str, ...], Any] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered HTTP request: counted by route and status, timed by route."""
        method = method if method in KNOWN_METHODS else "other"
        key = (method, route, str(status))
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.http_requests.labels(method, route, str(status)),
                self.http_latency.labels(route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def webhook(self, source: str, outcome: str) -> None:
        """One webhook delivery, by its source and what became of it."""
        key = ("webhook", source, outcome)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.webhooks.labels(source, outcome)
        child.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
