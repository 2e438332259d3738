"""Prometheus metrics, one registry per app instance (tests build many apps in one process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _QueueCollector(Collector):
    """Integration events by status, read from the database when scraped."""

    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "connect_integration_events", "Integration events by status", labels=["status"]
        )
        try:
            counts = self._counts()
        except Exception:  # a scrape must not fail because the database did: no data then
            return
        for status in ("pending", "completed", "failed", "ignored"):
            family.add_metric([status], counts.get(status, 0))
        yield family


class Metrics:
    def __init__(self, queue_counts: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "connect_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "connect_http_request_duration_seconds",
            "HTTP request latency by route",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.webhooks = Counter(
            "connect_webhooks_received",
            "Webhook deliveries by source and outcome",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "connect_deliveries",
            "Delivery attempts by target and outcome",
            ["target", "outcome"],
            registry=self.registry,
        )
        self.registry.register(_QueueCollector(queue_counts))

    def render(self) -> bytes:
        return generate_latest(self.registry)
