"""Jira issue keys (`PROJ-123`) named by pull requests and commits.

Jira's own development panel links code the same way: the key in a PR title, branch name,
description or commit message. A key is an uppercase project key (a letter, then letters,
digits or `_`; 2 to 10 characters, Jira's default limits) and an issue number. In branch names
the key is also accepted in lowercase (`feature/proj-12-login`), since branch names often
are.

Most key-shaped tokens are not issues: `CVE-2021`, `SHA-2`, `PEP-8`, and in branch names
`lodash-4` or `python-3`. So nothing acts on a key that is not *known* (`KnownJira`): its issue
has a Slack thread, or its project is subscribed to or is `JIRA_DEFAULT_PROJECT`. The caller
looks that up for the `candidates` and passes the answer in; detection stays pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Not preceded by a letter, digit or `-`-joined key part; the number not followed by more
# word characters ("ABC-12x" is not a key).
_KEY = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9_]{1,9})-([1-9][0-9]{0,9})(?![0-9A-Za-z])")
_KEY_ANY_CASE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9_]{1,9})-([1-9][0-9]{0,9})(?![0-9A-Za-z])"
)

# Tokens that look like keys but are standards and encodings, never Jira issues.
NOT_KEYS = frozenset(
    {
        "UTF-8",
        "UTF-16",
        "UTF-32",
        "SHA-1",
        "SHA-256",
        "SHA-384",
        "SHA-512",
        "ISO-8601",
        "ISO-8859",
        "MD-5",
        "CVE-2024",
        "HTTP-2",
        "TLS-1",
    }
)


@dataclass(frozen=True, slots=True)
class KnownJira:
    """What the integration knows of Jira: project keys and issue keys (uppercase)."""

    projects: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()

    @classmethod
    def of(cls, projects: Iterable[str] = (), keys: Iterable[str] = ()) -> KnownJira:
        return cls(frozenset(p.upper() for p in projects), frozenset(k.upper() for k in keys))

    def knows(self, key: str) -> bool:
        return key in self.keys or project_of(key) in self.projects


def project_of(key: str) -> str:
    """`PROJ` for `PROJ-123`."""
    return key.rsplit("-", 1)[0]


def _found(pattern: re.Pattern[str], text: str) -> Iterable[str]:
    for match in pattern.finditer(text):
        yield f"{match.group(1).upper()}-{match.group(2)}"


def candidate_jira_keys(*texts: str | None, branches: Iterable[str | None] = ()) -> tuple[str, ...]:
    """Every distinct key-shaped token in `texts` (uppercase only) and `branches` (any case),
    in the order they first appear, uppercased: what to look up before `find_jira_keys`."""
    keys: dict[str, None] = {}
    for text in texts:
        for key in _found(_KEY, text or ""):
            keys.setdefault(key)
    for branch in branches:
        for key in _found(_KEY_ANY_CASE, branch or ""):
            keys.setdefault(key)
    return tuple(key for key in keys if key not in NOT_KEYS)


def find_jira_keys(
    *texts: str | None,
    branches: Iterable[str | None] = (),
    known: KnownJira = KnownJira(),
) -> tuple[str, ...]:
    """The distinct known Jira keys in `texts` (case-sensitive) and `branches` (any case), in
    the order they first appear. With nothing known, nothing is found."""
    return tuple(key for key in candidate_jira_keys(*texts, branches=branches) if known.knows(key))
