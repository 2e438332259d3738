"""User text and URLs as Slack mrkdwn: the one escape and the one link sanitiser.

Everything a GitHub or Jira user wrote reaches Slack through these two functions. Slack reads
`<...>` as a link, a mention (`<@U123>`) or a broadcast (`<!channel>`), and `|` inside one as
the start of its label. So text gets `&`, `<` and `>` escaped (exactly the three Slack asks
for), and a URL — which cannot be entity-escaped inside `<...>` — gets `<`, `>`, `|` and
whitespace percent-encoded, which browsers read the same way. Only `http(s)` and `mailto`
URLs become links; anything else (`javascript:`, `slack://`, `file:`) is shown as text.

`unescape` is the way back, for reading what a Slack user wrote (`integrations.slack_to_jira`).
"""

from __future__ import annotations

import re

LINK_SCHEMES = ("http://", "https://", "mailto:")
_UNSAFE_IN_URL = re.compile(r"[<>|\s]")


def escape(text: str) -> str:
    """`text` as literal mrkdwn: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """mrkdwn text as typed: the inverse of `escape` (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def safe_url(url: str) -> str | None:
    """`url` fit to stand inside `<...>`, or None when it is not a web or mail link."""
    url = url.strip()
    if not url.lower().startswith(LINK_SCHEMES):
        return None
    return _UNSAFE_IN_URL.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)


def link(url: str, label: str | None = None) -> str:
    """A mrkdwn link to `url` showing `label` (user text, escaped); just `<url>` without one.

    A URL that may not be a link is shown as escaped text: the label, or the URL itself.
    """
    target = safe_url(url)
    if target is None:
        return escape(label or url.strip())
    return f"<{target}|{escape(label)}>" if label else f"<{target}>"
