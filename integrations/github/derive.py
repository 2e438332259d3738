"""What a GitHub payload may leave out and can be derived from what it has.

Older senders, GitHub Enterprise Server, and the minimal test payloads of other tools omit
fields github.com always sends; the post needs none of them strictly. The repository's full
name follows from its owner and name, its web URL from the full name and the GitHub host
(read from the payload's API URL or the owner's page, github.com when neither says), and the
web link of a pull request, issue, comment, review, release or workflow run from the
repository's. Run on the raw payload before validation (`models.Event`); only what it
changes is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

GITHUB_WEB = "https://github.com"
API_PREFIX = "api/v3"  # GitHub Enterprise Server: https://HOST/api/v3/repos/owner/repo


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _with(obj: Mapping[str, Any], key: str, value: str) -> dict[str, Any]:
    """`obj` with `key` set to `value` unless it already has a non-empty string there."""
    return dict(obj) if _text(obj.get(key)) else {**obj, key: value}


def web_base(repository: Mapping[str, Any]) -> str:
    """`https://github.com`, or the GitHub Enterprise host the repository lives on."""
    api = _text(repository.get("url"))
    if api and "/repos/" in api:
        base = api.split("/repos/", 1)[0].rstrip("/")
        parts = urlsplit(base)
        if base.endswith("/" + API_PREFIX):
            return base.removesuffix("/" + API_PREFIX)
        if parts.hostname and parts.hostname.startswith("api."):
            return f"{parts.scheme}://{parts.hostname.removeprefix('api.')}"
        return base
    owner = repository.get("owner")
    page = _text(owner.get("html_url")) if isinstance(owner, Mapping) else None
    if page and "/" in page.removeprefix("https://").removeprefix("http://"):
        return page.rsplit("/", 1)[0]
    return GITHUB_WEB


def repository(data: Mapping[str, Any]) -> dict[str, Any]:
    """The repository with `full_name` (from `owner.login` and `name`) and `html_url`."""
    repo = dict(data)
    owner = repo.get("owner")
    login = (
        _text(owner.get("login")) or _text(owner.get("name"))
        if isinstance(owner, Mapping)
        else None
    )
    name = _text(repo.get("name"))
    if not _text(repo.get("full_name")) and login and name:
        repo["full_name"] = f"{login}/{name}"
    full_name = _text(repo.get("full_name"))
    if full_name:
        repo = _with(repo, "html_url", f"{web_base(repo)}/{full_name}")
    return repo


def links(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The payload with the web links it lacks derived from the repository's."""
    repo = payload.get("repository")
    if not isinstance(repo, Mapping):
        return payload
    out = dict(payload)
    out["repository"] = repo = repository(repo)
    base = _text(repo.get("html_url"))
    if base is None:
        return out
    issue = out.get("issue")
    kind = "pull" if isinstance(issue, Mapping) and issue.get("pull_request") else "issues"
    issue_url = _link(out, "issue", lambda i: _under(f"{base}/{kind}/", i.get("number")))
    pr_url = _link(out, "pull_request", lambda i: _under(f"{base}/pull/", i.get("number")))
    parent = issue_url if "issue" in out else pr_url
    if parent:
        anchor = "#issuecomment-" if "issue" in out else "#discussion_r"
        _link(out, "comment", lambda i: _under(parent + anchor, i.get("id")))
        _link(out, "review", lambda i: _under(parent + "#pullrequestreview-", i.get("id")))
    _link(out, "release", lambda i: _under(f"{base}/releases/tag/", i.get("tag_name")))
    _link(out, "workflow_run", lambda i: _under(f"{base}/actions/runs/", i.get("id")))
    _link(out, "workflow_run", lambda i: f"{base}/actions")
    return out


def _under(prefix: str, ident: Any) -> str | None:
    """`prefix` + the id, number or name; None when there is none."""
    if isinstance(ident, int) and not isinstance(ident, bool):
        return f"{prefix}{ident}"
    return f"{prefix}{ident}" if _text(ident) else None


def _link(
    out: dict[str, Any], key: str, make: Callable[[Mapping[str, Any]], str | None]
) -> str | None:
    """Give the object `out[key]` the `html_url` `make` derives when it has none; returns
    its link (None when there is no such object, or no link can be made)."""
    item = out.get(key)
    if not isinstance(item, Mapping):
        return None
    if not _text(item.get("html_url")):
        url = make(item)
        if url is None:
            return None
        out[key] = item = {**item, "html_url": url}
    return item["html_url"]
