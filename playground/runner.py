"""The playground's life: start the fakes before the app, attach the page to the app, seed
the story once the app listens, stop everything with the app.

`app.py` does, for `python app.py` with no Slack credentials (or `CONNECT_PLAYGROUND=on`):

    playground = Playground.start()
    app = create_app(playground.app_settings(settings))   # the app itself, unchanged
    playground.attach(app)
    ... serve ...
    playground.ready(f"http://127.0.0.1:{port}")
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask

from playground.demo import Demo
from playground.github_side import GitHubSide
from playground.jira_side import JiraSide
from playground.sender import AppSender
from playground.slack_side import SlackSide
from playground.world import CHANNEL, PEOPLE, PROJECT, REPOSITORY, World, start_world
from settings import Settings

log = logging.getLogger("connect.playground")
EXTENSION = "connect.playground"
FEATURES = "issues pulls reviews commits releases workflows"
"""What #it-help follows of the repository: the defaults, plus reviews and failed runs."""


class Playground:
    def __init__(self, world: World) -> None:
        self.world = world
        self.sender: AppSender | None = None
        self.slack: SlackSide | None = None
        self.jira: JiraSide | None = None
        self.github: GitHubSide | None = None
        self.demo: Demo | None = None
        self.seeded = threading.Event()
        self.first_seen: dict[str, float] = {}
        """When the page first showed each message (`snapshot`)."""

    @classmethod
    def start(cls) -> Playground:
        return cls(start_world())

    def app_settings(self, settings: Settings) -> Settings:
        return self.world.app_settings(settings)

    def attach(self, app: Flask) -> None:
        from playground.web import bp

        app.extensions[EXTENSION] = self
        app.register_blueprint(bp)

    def ready(self, app_url: str) -> None:
        """The app listens at `app_url`: wire the sides to it and seed the story."""
        self.sender = AppSender(self.world, app_url)
        self.slack = SlackSide(self.world, self.sender)
        self.jira = JiraSide(self.world, self.sender).start()
        self.github = GitHubSide(self.world, self.sender)
        self.demo = Demo(self)
        threading.Thread(target=self._seed, name="playground-seed", daemon=True).start()

    def stop(self) -> None:
        if self.jira is not None:
            self.jira.stop()
        if self.demo is not None:
            self.demo.cancel()
        self.world.stop()

    def sides(self) -> tuple[AppSender, SlackSide, JiraSide, GitHubSide, Demo]:
        if None in (self.sender, self.slack, self.jira, self.github, self.demo):
            raise RuntimeError("the playground is still starting")
        return self.sender, self.slack, self.jira, self.github, self.demo  # type: ignore[return-value]

    def _seed(self) -> None:
        """The story's start: people in the directory, #it-help subscribed (through the app's
        own command and API, as a person would), a little history."""
        try:
            sender, slack, *_ = self.sides()
            self.world.slack.add_message(
                CHANNEL,
                "Welcome to #it-help :wave: Ask here when something is broken. "
                "`/ticket <what happened>` files it in Jira; pull requests and issue updates "
                "show up in the issue's thread.",
                user="U0CAROL",
            )
            slack.command("U0ALICE", CHANNEL, "/ticket", f"subscribe jira {PROJECT}")
            github = f"subscribe github {REPOSITORY} {FEATURES}"
            slack.command("U0ALICE", CHANNEL, "/ticket", github)
            jira = self.world.jira
            for person in PEOPLE:
                update: dict[str, Any] = {}
                account = jira.user_by_email(person.email)
                if account is not None:
                    update["jira_account_id"] = account.account_id
                if person.github:
                    update["github_login"] = person.github
                sender.put(f"/api/v1/people/{person.slack_id}", update)
        except Exception:
            log.exception("playground.seed_failed")
        finally:
            self.seeded.set()


def playground_of(app: Flask) -> Playground:
    return app.extensions[EXTENSION]


def summary(playground: Playground) -> dict[str, Any]:
    """What the log says at start: where everything is (no secrets)."""
    world = playground.world
    return {
        "slack": world.slack.url,
        "jira": world.jira.url,
        "github": world.github.url,
        "database": world.database_url,
    }
