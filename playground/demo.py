""" "Play the demo": a short story through the whole loop, in about 30 seconds.

Bob reports a broken printer in #it-help, Alice files it with `/ticket`, Bob starts work on
it in Jira, Alice opens a pull request naming the issue, Bob approves, Alice merges, Bob
closes the issue. Each step is what the person would do in Slack, Jira or GitHub; the app
does the rest, and the page shows it as it happens.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING

from playground.world import CHANNEL, PROJECT

if TYPE_CHECKING:
    from playground.runner import Playground

log = logging.getLogger("connect.playground")
PAUSE = 3.0


class Demo:
    def __init__(self, playground: Playground) -> None:
        self.playground = playground
        self.step = ""
        self.running = False
        self.pause = PAUSE
        """Seconds between the steps, for a person to follow them."""
        self._cancel = threading.Event()
        self._lock = threading.Lock()

    def status(self) -> dict[str, object]:
        return {"running": self.running, "step": self.step}

    def play(self) -> bool:
        with self._lock:
            if self.running:
                return False
            self.running = True
        threading.Thread(target=self._run, name="playground-demo", daemon=True).start()
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def _say(self, step: str) -> None:
        self.step = step
        log.info("playground.demo step=%r", step)

    def _wait(self, seconds: float | None = None) -> None:
        if self._cancel.wait(self.pause if seconds is None else seconds):
            raise InterruptedError

    def _run(self) -> None:
        try:
            self._story()
            self._say("Done: scroll the thread of the issue to see the whole story.")
        except InterruptedError:
            self._say("Stopped.")
        except Exception as exc:
            log.exception("playground.demo_failed")
            self._say(f"The demo stopped: {exc}")
        finally:
            self.running = False

    def _story(self) -> None:
        _, slack, jira, github, _ = self.playground.sides()
        self._say("1/7 Bob reports a problem in #it-help")
        slack.send("U0BOB", CHANNEL, "The printer on the 3rd floor is on fire again :fire:")
        self._wait()
        self._say("2/7 Alice files it: /ticket Printer on fire")
        known = {issue["key"] for issue in jira.issues()}
        slack.send("U0ALICE", CHANNEL, "/ticket Printer on fire")
        key = self._new_issue(known)
        self._wait()
        self._say(f"3/7 Bob starts work on {key} in Jira")
        bob = next(p["account_id"] for p in jira.people() if p["name"] == "Bob Builder")
        jira.assign(key, bob, bob)
        jira.transition(key, "In Progress", bob)
        self._wait()
        self._say(f"4/7 Alice opens a pull request naming {key}")
        number = github.open_pull(f"{key}: Replace the printer's fuser unit")
        self._wait()
        self._say("5/7 Bob approves the pull request")
        github.review(number)
        self._wait()
        self._say("6/7 Alice merges it")
        github.merge(number)
        self._wait()
        self._say(f"7/7 Bob closes {key}")
        jira.transition(key, "Done", bob)
        self._wait(1.0)

    def _new_issue(self, known: set[str], timeout: float = 15.0) -> str:
        _, _, jira, _, _ = self.playground.sides()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for issue in jira.issues():
                if issue["key"] not in known and re.match(rf"{PROJECT}-\d+$", issue["key"]):
                    return issue["key"]
            self._wait(0.2)
        raise RuntimeError("no issue was created in Jira")
