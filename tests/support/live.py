"""The app under test, served over real HTTP on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from flask import Flask

from playground.server import ServerThread
from settings import Settings
from web.runtime import EXTENSION, Runtime


@dataclass
class LiveApp:
    app: Flask
    server: ServerThread
    http: requests.Session

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def runtime(self) -> Runtime:
        return self.app.extensions[EXTENSION]

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + path, timeout=10, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.put(self.url + path, timeout=10, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(self.url + path, timeout=10, **kwargs)


def settings_for(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: no `.env`, nothing from the machine's environment beyond defaults.

    No in-process delivery worker unless a test asks for one (`connect_worker="on"`), and
    no pacing of posts per Slack channel unless a test asks for it
    (`connect_slack_channel_posts_per_second`): the fake Slack takes posts at any rate unless
    told to limit them (`FakeSlack.limit_posts`), and tests post many into one channel.
    """
    overrides.setdefault("connect_worker", "off")
    overrides.setdefault("connect_slack_channel_posts_per_second", 0)
    return Settings(_env_file=None, database_url=database_url, **overrides)  # type: ignore[call-arg]
