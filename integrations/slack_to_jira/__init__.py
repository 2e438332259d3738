"""Slack mrkdwn → Jira rich text: wiki markup (REST API v2) or Atlassian Document Format (v3).

A message is parsed once into a small tree (`parse`, `tree`) and rendered by `wiki` or `adf`;
`plain_text` reads it as plain text, and `mentions` says how Slack users appear in Jira. All
of it is pure: no I/O, no Slack or Jira client. The other direction, Jira → Slack, is
`integrations.jira.markup`.

The renderers are re-exported here; the tree and the parser are imported from their modules
(the function `parse` would hide the module `parse` if it were re-exported).
"""

from integrations.slack_to_jira.adf import render_adf, to_adf
from integrations.slack_to_jira.mentions import Mention, mentioned_users
from integrations.slack_to_jira.plain_text import plain, prettify
from integrations.slack_to_jira.wiki import render_wiki, to_wiki, wiki_escape

__all__ = [
    "Mention",
    "mentioned_users",
    "plain",
    "prettify",
    "render_adf",
    "render_wiki",
    "to_adf",
    "to_wiki",
    "wiki_escape",
]
