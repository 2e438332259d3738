"""gunicorn settings for `make run-prod`: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

gunicorn reads this file by itself when started from this directory. gunicorn handles
SIGTERM (graceful: in-flight requests finish within `graceful_timeout`) and SIGINT/SIGQUIT
(quick) for the HTTP side; these hooks stop the delivery worker that `create_app` starts in
each gunicorn worker process (`web.lifecycle`): it stops claiming when the signal arrives,
and when the gunicorn worker exits, its deliveries in hand finish within
CONNECT_SHUTDOWN_GRACE_SECONDS or are released to the next worker. Keep that grace below
`graceful_timeout`, after which gunicorn kills its workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

graceful_timeout = 30


def post_worker_init(worker: Worker) -> None:
    from web.lifecycle import gunicorn_post_worker_init

    gunicorn_post_worker_init(worker)


def worker_exit(server: Arbiter, worker: Worker) -> None:
    from web.lifecycle import gunicorn_worker_exit

    gunicorn_worker_exit(worker)
