"""The playground served in-process as `python app.py` serves it without Slack credentials:
the fakes started first, the unchanged app pointed at them, the page attached, the story
seeded once the app listens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from app import create_app
from playground.runner import Playground
from playground.server import ServerThread
from settings import Settings
from tests.support.live import settings_for
from web.runtime import EXTENSION
from web.webhooks import WORKER_EXTENSION


@dataclass
class ServedPlayground:
    playground: Playground
    app: Flask
    server: ServerThread
    settings: Settings

    @property
    def url(self) -> str:
        return self.server.url + "/playground"


@contextmanager
def served_playground(**overrides: object) -> Iterator[ServedPlayground]:
    playground = Playground.start()
    base = settings_for("sqlite://", connect_worker="on", **overrides)
    settings = playground.app_settings(base)
    app = create_app(settings, migrate=True)
    playground.attach(app)
    server = ServerThread(app).start()
    playground.ready(server.url)
    try:
        assert playground.seeded.wait(15), "the playground did not finish seeding"
        yield ServedPlayground(playground, app, server, settings)
    finally:
        server.stop()
        worker = app.extensions.get(WORKER_EXTENSION)
        if worker is not None:
            worker.stop(grace=2)
        app.extensions[EXTENSION].repos.db.dispose()
        playground.stop()
