"""The playground's GitHub: pull requests, pushes, releases and workflow runs, each sent to the
app as the signed webhook GitHub sends.

Every payload is a real one from `@octokit/webhooks-examples` (in `node_modules`, installed by
`make run` when npm is there), with only what the story changes set on it (`variant`): the
pull request's number, title, branch and state, a push's ref and commit message, a run's
conclusion. Without the examples the panel says why and offers nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from playground.github_payloads import EXAMPLES, example, variant
from playground.sender import AppSender
from playground.world import REPOSITORY, World

MISSING = (
    "The GitHub examples are not installed (node_modules/@octokit/webhooks-examples): "
    "install Node.js and npm, then run `make run` again."
)


@dataclass
class Pull:
    number: int
    title: str
    branch: str
    author: str
    base: str = "master"  # the examples' default branch
    state: str = "open"  # open | merged | closed
    approved: bool = False


class GitHubSide:
    def __init__(self, world: World, sender: AppSender) -> None:
        self.world = world
        self.sender = sender
        self.pulls: dict[int, Pull] = {}
        self._next = 10
        self._lock = threading.Lock()

    @property
    def unavailable(self) -> str | None:
        """Why the panel cannot send anything, or None."""
        return None if (EXAMPLES / "api.github.com" / "index.json").exists() else MISSING

    def state(self) -> dict[str, Any]:
        with self._lock:
            pulls = [vars(p).copy() for p in sorted(self.pulls.values(), key=lambda p: -p.number)]
        return {"repository": REPOSITORY, "unavailable": self.unavailable, "pulls": pulls}

    # --- pull requests --------------------------------------------------------------------

    def open_pull(self, title: str, author: str = "Codertocat") -> int:
        with self._lock:
            number = self._next
            self._next += 1
        branch = _branch(title, number)
        self.world.github.add_pull(REPOSITORY, title=title, number=number, user=author, head=branch)
        pull = Pull(number, title, branch, author)
        with self._lock:
            self.pulls[number] = pull
        self.sender.github("pull_request", self._pr_payload("opened", pull))
        return number

    def review(self, number: int, reviewer: str = "octocat") -> None:
        pull = self.pulls[number]
        base = example("pull_request_review", "submitted")
        payload = variant(
            self._pr_payload("opened", pull, base=base),
            {
                "action": "submitted",
                "review.state": "approved",
                "review.body": "Looks good to me.",
                "review.user.login": reviewer,
                "review.html_url": f"{_pr_url(number)}#pullrequestreview-{80 + number}",
                "review.pull_request_url": _pr_url(number, api=True),
                "sender.login": reviewer,
            },
        )
        payload.pop("number", None)  # review payloads name the pull request only inside it
        pull.approved = True
        self.sender.github("pull_request_review", payload)

    def merge(self, number: int, merger: str = "Codertocat") -> None:
        pull = self.pulls[number]
        pull.state = "merged"
        payload = variant(
            self._pr_payload("closed", pull),
            {
                "pull_request.merged": True,
                "pull_request.merged_at": "2026-12-03T12:00:00Z",
                "pull_request.merged_by": example("pull_request", "closed")["sender"],
                "sender.login": merger,
            },
        )
        self.sender.github("pull_request", payload)

    # --- the rest of a repository's life ----------------------------------------------------

    def push(self, message: str, author: str = "Codertocat") -> None:
        base = example("push")
        commit = variant(base["head_commit"], {"message": message})
        payload = variant(
            base,
            {
                "ref": f"refs/heads/{base['repository']['default_branch']}",
                "base_ref": None,
                "created": False,
                "head_commit": commit,
                "commits": [commit],
                "sender.login": author,
            },
        )
        self.sender.github("push", payload)

    def release(self, tag: str = "v1.4.0") -> None:
        payload = variant(
            example("release", "published"),
            {
                "release.tag_name": tag,
                "release.name": f"Printer firmware {tag}",
                "release.body": "Paper jams are now reported to #it-help.",
            },
        )
        self.sender.github("release", payload)

    def failing_workflow(self) -> None:
        payload = variant(
            example("workflow_run", "completed"),
            {
                "workflow_run.conclusion": "failure",
                "workflow_run.name": "CI",
                "workflow_run.display_title": "Build and test the firmware",
                "workflow_run.event": "push",
            },
        )
        self.sender.github("workflow_run", payload)

    # --- helpers --------------------------------------------------------------------------

    def _pr_payload(self, action: str, pull: Pull, base: dict[str, Any] | None = None) -> dict:
        base = base or example("pull_request", action)
        return variant(
            base,
            {
                "action": action,
                "number": pull.number,
                "pull_request.number": pull.number,
                "pull_request.title": pull.title,
                "pull_request.body": f"Fixes {pull.title.split(':')[0]}.",
                "pull_request.html_url": _pr_url(pull.number),
                "pull_request.url": _pr_url(pull.number, api=True),
                "pull_request.head.ref": pull.branch,
                "pull_request.user.login": pull.author,
                "pull_request.state": "open" if action == "opened" else "closed",
                "sender.login": pull.author,
            },
        )


def _pr_url(number: int, *, api: bool = False) -> str:
    if api:
        return f"https://api.github.com/repos/{REPOSITORY}/pulls/{number}"
    return f"https://github.com/{REPOSITORY}/pull/{number}"


def _branch(title: str, number: int) -> str:
    words = "".join(c if c.isalnum() else "-" for c in title.lower()).split("-")
    slug = "-".join(w for w in words if w)[:40]
    return slug or f"change-{number}"
