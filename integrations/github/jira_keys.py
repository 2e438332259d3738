"""Jira issue keys (`PROJ-123`) named by pull requests and commits.

Jira's own development panel links code the same way: the key in a PR title, branch name,
description or commit message. A key is an uppercase project key (a letter, then letters,
digits or `_`; 2 to 10 characters, Jira's default limits) and an issue number. In branch names
the key is also accepted in lowercase (`feature/proj-12-login`), since branch names often
are. Not every match is a real issue (`UTF-8`, `SHA-256`): callers act only on keys that
are known (linked to a Slack thread) or in `projects` when given.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

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


def _found(pattern: re.Pattern[str], text: str) -> Iterable[str]:
    for match in pattern.finditer(text):
        yield f"{match.group(1).upper()}-{match.group(2)}"


def find_jira_keys(
    *texts: str | None,
    branches: Iterable[str | None] = (),
    projects: Collection[str] | None = None,
) -> tuple[str, ...]:
    """The distinct Jira keys in `texts` (case-sensitive) and `branches` (any case), in the
    order they first appear; only keys of `projects` when that is given."""
    wanted = {p.upper() for p in projects} if projects is not None else None
    keys: dict[str, None] = {}
    candidates = [
        *(key for text in texts if text for key in _found(_KEY, text)),
        *(key for branch in branches if branch for key in _found(_KEY_ANY_CASE, branch)),
    ]
    for key in candidates:
        if key in NOT_KEYS:
            continue
        if wanted is not None and key.rsplit("-", 1)[0] not in wanted:
            continue
        keys.setdefault(key)
    return tuple(keys)
