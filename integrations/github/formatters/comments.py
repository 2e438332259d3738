"""`issue_comment.*`: a comment on an issue or a pull request, as a reply in its thread.

GitHub sends comments on pull requests as issue comments too, so the issue side of the
payload is all there is: the card may start a thread but not overwrite a full PR card.
"""

from __future__ import annotations

from integrations.github.cards import thread_key
from integrations.github.formatters.shared import DELETED, issue_post, who
from integrations.github.models import IssueCommentEvent
from integrations.github.people import NOBODY, GitHubPeople
from integrations.github.text import link, message, quote
from integrations.messages import Rendered, ThreadPost


def _comment_key(event: IssueCommentEvent) -> str:
    return f"{thread_key(event.repository, event.issue.number)}/issuecomment-{event.comment.id}"


def comment(event: IssueCommentEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """Created or edited: the same reply, keyed so an edit updates it."""
    posted = event.comment
    line = f":speech_balloon: {who(posted.user, people)} {link(posted.html_url, 'commented')}"
    body = people.mentions(quote(posted.body))
    return issue_post(event, message(line, body), reply_key=_comment_key(event), people=people)


def deleted(event: IssueCommentEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """Marks the reply of a deleted comment; where none was posted, nothing is said."""
    return ThreadPost(
        thread_key=thread_key(event.repository, event.issue.number),
        reply_key=_comment_key(event),
        reply_edit=message(
            f":speech_balloon: {who(event.comment.user, people)} commented: {DELETED}"
        ),
    )
