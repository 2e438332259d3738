"""People lookups among many stored people: the directory's reads must stay off the hot path.

`lookup_figures(database_url, people)` stores `people` persons (each with a Jira account, a
Server key, an email and a GitHub login) and times single lookups by Slack user id, by Jira
account and by GitHub login through the repository (a fresh read transaction each, as the
directory makes them when its cache misses), and the lookup of the five logins a GitHub
event shows in one query (what the GitHub → Slack handler makes once per event). Returns
the median and p99 per kind in ms.

    python bench/people.py [--people 100000] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: TID251 - bulk seeding; the timed reads use the repository

from storage import Database, Repositories
from storage.models import Person
from storage.types import utcnow

LOOKUPS = 2000
BATCH = 5000


def seed(db: Database, people: int) -> None:
    now = utcnow()
    with db.engine.begin() as connection:
        for start in range(0, people, BATCH):
            connection.execute(
                sa.insert(Person),
                [
                    {
                        "slack_user_id": f"U{n:09d}",
                        "slack_name": f"Person {n}",
                        "email": f"person{n}@example.com",
                        "jira_account_id": f"712020:{n:032x}",
                        "jira_key": f"JIRAUSER{n}",
                        "jira_display_name": f"Person {n}",
                        "jira_match": "email",
                        "github_login": f"person-{n}",
                        "github_match": "manual",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(start, min(start + BATCH, people))
                ],
            )


def _time(lookup: Callable[[int], object], people: int) -> tuple[float, float]:
    rng = random.Random(7)
    samples = []
    for _ in range(LOOKUPS):
        n = rng.randrange(people)
        started = time.perf_counter()
        found = lookup(n)
        samples.append((time.perf_counter() - started) * 1000)
        assert found is not None
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


def lookup_figures(database_url: str, people: int) -> dict[str, tuple[float, float]]:
    """(median ms, p99 ms) of one lookup by each key among `people` stored persons."""
    db = Database(database_url)
    try:
        seed(db, people)
        repo = Repositories.on(db).people
        return {
            "slack user id": _time(lambda n: repo.get(f"U{n:09d}"), people),
            "jira account": _time(lambda n: repo.by_jira_account(f"712020:{n:032x}"), people),
            "github login": _time(lambda n: repo.by_github_login(f"Person-{n}"), people),
            "an event's github logins (5, one query)": _time(
                lambda n: repo.slack_ids_by_github(
                    [f"person-{(n + k * 7919) % people}" for k in range(4)] + ["stranger"]
                ),
                people,
            ),
        }
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="a migrated, empty database (default SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/people.db"
        if args.url is None:
            Database(url).upgrade()
        for kind, (median, p99) in lookup_figures(url, args.people).items():
            print(f"{kind:>40}: median {median:.3f} ms, p99 {p99:.3f} ms ({args.people} people)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
