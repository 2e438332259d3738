"""The playground's world: fake Slack, Jira and GitHub on loopback, seeded with a small team,
and the settings that point the unchanged app at them.

Every token and webhook secret is made up at start (`secrets.token_hex`), every base URL is
`http://127.0.0.1:<port>` of a fake in this process, and the database is a fresh SQLite file
in a temporary directory: nothing the playground does can reach a real Slack, Jira or GitHub,
or touch the data of a real installation.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from playground.fakes.github import FakeGitHub
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from settings import PlaygroundMode, Settings

log = logging.getLogger("connect.playground")

CHANNEL = "C0ITHELP"
"""#it-help: subscribed to the Jira project and the repository; where the story happens."""
PROJECT = "OPS"
REPOSITORY = "Codertocat/Hello-World"
"""The repository of the `@octokit/webhooks-examples` payloads, so they need no rewriting."""
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Person:
    slack_id: str
    handle: str
    name: str
    email: str
    github: str | None = None


PEOPLE = (
    Person("U0ALICE", "alice", "Alice Example", "alice@example.com", github="Codertocat"),
    Person("U0BOB", "bob", "Bob Builder", "bob@example.com", github="octocat"),
    Person("U0CAROL", "carol", "Carol Chen", "carol@example.com"),
)
VIEWER = "U0ALICE"
"""Whom the page acts as, unless it picks someone else."""


@dataclass
class Secrets:
    """Made up for this run; the app checks every request the playground signs with them."""

    slack_bot_token: str = field(default_factory=lambda: "xoxb-playground-" + secrets.token_hex(8))
    slack_signing_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    jira_api_token: str = field(default_factory=lambda: secrets.token_hex(12))
    jira_webhook_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    github_token: str = field(default_factory=lambda: "ghp_playground" + secrets.token_hex(8))
    github_webhook_secret: str = field(default_factory=lambda: secrets.token_hex(16))


@dataclass
class World:
    """The three fakes, running, and what the app needs to talk to them."""

    slack: FakeSlack
    jira: FakeJira
    github: FakeGitHub
    secrets: Secrets
    data_dir: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'playground.db'}"

    def app_settings(self, base: Settings) -> Settings:
        """`base` pointed at the fakes: every client URL is loopback, every secret made up.

        The HTTP bind is loopback unless asked for another explicitly: `CONNECT_PLAYGROUND=on`
        with `CONNECT_HOST` set (a `CONNECT_HOST=0.0.0.0` copied from `.env.example` alone is
        not asking).
        """
        s = self.secrets
        update: dict[str, object] = {
            "database_url": self.database_url,
            "slack_bot_token": SecretStr(s.slack_bot_token),
            "slack_signing_secret": SecretStr(s.slack_signing_secret),
            "slack_app_token": None,
            "slack_api_url": self.slack.api_url,
            "slack_allowed_channels": frozenset(),
            "jira_base_url": self.jira.url,
            "jira_email": self.jira.email,
            "jira_api_token": SecretStr(s.jira_api_token),
            "jira_default_project": PROJECT,
            "jira_webhook_secret": SecretStr(s.jira_webhook_secret),
            "github_token": SecretStr(s.github_token),
            "github_api_url": self.github.url,
            "github_webhook_secret": SecretStr(s.github_webhook_secret),
            "github_jira_comments": True,
            "connect_worker_poll_seconds": min(base.connect_worker_poll_seconds, 0.25),
        }
        asked = base.connect_playground is PlaygroundMode.ON
        if not (asked and "connect_host" in base.model_fields_set):
            update["connect_host"] = LOOPBACK
        if base.connect_public_url is None:  # the webhook URLs the app shows in its answers
            update["connect_public_url"] = f"http://{LOOPBACK}:{base.connect_port}"
        return base.model_copy(update=update)

    def stop(self) -> None:
        for fake in (self.slack, self.jira, self.github):
            fake.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def start_world() -> World:
    """Start the fakes on loopback ports and seed them: a team of three, #it-help, a Jira
    project and a repository."""
    keys = Secrets()
    slack = FakeSlack(bot_token=keys.slack_bot_token, team_domain="playground")
    jira = FakeJira("cloud", api_token=keys.jira_api_token, corpus_dir=None)
    github = FakeGitHub(tokens={keys.github_token: "connect-bot"})
    world = World(slack, jira, github, keys, Path(tempfile.mkdtemp(prefix="connect-playground-")))
    for fake in (slack, jira, github):
        fake.start()
    _seed(world)
    return world


def _seed(world: World) -> None:
    slack, jira, github = world.slack, world.jira, world.github
    with slack.lock:
        slack.channels.pop("C0GENERAL", None)
    for person in PEOPLE:
        slack.add_user(person.slack_id, person.handle, real_name=person.name, email=person.email)
        if jira.user_by_email(person.email) is None:
            jira.add_user(person.name, person.email, name=person.handle)
        if person.github:
            github.add_user(person.github, name=person.name)
    members = [p.slack_id for p in PEOPLE]
    slack.add_channel(CHANNEL, "it-help", members=members)
    slack.add_channel("C0GENERAL", "general", members=members)
    slack.add_channel("C0RANDOM", "random", members=members)
    jira.add_project(PROJECT, "IT Operations")
    github.add_repo(REPOSITORY, description="The printer fleet's firmware")
