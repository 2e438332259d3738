"""How a delivery worker runs (`WorkerConfig`, from settings) and how it backs off."""

from __future__ import annotations

import random
from dataclasses import dataclass

from settings import Settings

BACKOFF_CAP_SECONDS = 15 * 60.0
CLIENT_TIMEOUT_SECONDS = 10.0
"""The Slack and Jira clients' request timeout (`delivery_client`, `JiraConfig.from_settings`)."""
SAFE_LEASE_SECONDS = 2 * CLIENT_TIMEOUT_SECONDS
"""Below this a lease cannot keep a whole client timeout in reserve for the last Slack call
(`Lease.held`) and leave time for renewals: allowed (tests), but warned about at start."""


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    threads: int = 4
    poll_seconds: float = 1.0
    max_attempts: int = 8
    backoff_seconds: float = 2.0
    lease_seconds: float = 20.0
    batch: int = 1
    heartbeat_seconds: float = 5.0  # registry entry renewed, dead workers looked for
    shutdown_grace_seconds: float = 10.0
    max_rate_limited: int = 50
    """Rate-limited attempts (`Retry-After`) an event may have before it fails; they do not
    count against `max_attempts`."""

    def __post_init__(self) -> None:
        if self.lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, not {self.lease_seconds}")

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        return cls(
            threads=settings.connect_worker_threads,
            poll_seconds=settings.connect_worker_poll_seconds,
            max_attempts=settings.connect_delivery_max_attempts,
            backoff_seconds=settings.connect_delivery_backoff_seconds,
            lease_seconds=settings.connect_delivery_lease_seconds,
            shutdown_grace_seconds=settings.connect_shutdown_grace_seconds,
        )


def backoff(attempt: int, base: float, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Exponential backoff with jitter: between half and all of `base * 2^(attempt-1)`."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography
