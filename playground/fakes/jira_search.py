"""The fake Jira's JQL: the few clauses the app sends, read as Jira reads them.

Supported: clauses joined by `AND` — `assignee = "ref"`, `reporter = "ref"` (`ref` is the
Cloud `accountId` or the Server user name; `currentUser()` is not supported), `statusCategory
!= Done` / `= Done`, `resolution = Unresolved` — and `ORDER BY updated DESC|ASC`. Anything
else is refused with Jira's 400 ("Error in the JQL Query: …"), so an app sending JQL the fake
cannot read fails its test rather than getting a wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

CLAUSE = re.compile(
    r"""^\s*(?P<field>assignee|reporter|statusCategory|resolution)\s*(?P<op>!=|=)\s*
    (?:"(?P<quoted>[^"]*)"|(?P<bare>[\w.:\-@]+))\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
ORDER = re.compile(r"\s+ORDER\s+BY\s+(?P<field>updated|created)\s*(?P<dir>ASC|DESC)?\s*$", re.I)

Predicate = Callable[[dict[str, Any]], bool]
"""Takes `{"assignee": ref or None, "reporter": ref or None, "category": key, "updated": str}`."""


class JqlError(ValueError):
    """Jira's 400 text for a query it cannot read."""


def parse(jql: str) -> tuple[list[Predicate], str, bool]:
    """The clauses' predicates, the order field and whether it is descending."""
    order_field, descending = "updated", True
    match = ORDER.search(jql)
    if match:
        order_field = match["field"].lower()
        descending = (match["dir"] or "ASC").upper() == "DESC"
        jql = jql[: match.start()]
    predicates: list[Predicate] = []
    for text in re.split(r"\s+AND\s+", jql.strip(), flags=re.IGNORECASE):
        clause = CLAUSE.match(text)
        if clause is None:
            raise JqlError(f"Error in the JQL Query: cannot read '{text.strip()}'.")
        predicates.append(_predicate(clause))
    return predicates, order_field, descending


def _predicate(clause: re.Match[str]) -> Predicate:
    field, op = clause["field"].lower(), clause["op"]
    value = clause["quoted"] if clause["quoted"] is not None else clause["bare"]
    negate = op == "!="
    if field in ("assignee", "reporter"):
        return lambda facts: (facts[field] == value) != negate
    if field == "statuscategory":
        wanted = value.casefold()
        return lambda facts: (facts["category"].casefold() == wanted) != negate
    if value.casefold() != "unresolved":
        raise JqlError(f"Error in the JQL Query: unknown resolution '{value}'.")
    return lambda facts: (facts["category"] != "Done") != negate
