"""`pull_request_review.*` and `pull_request_review_comment.*`: replies in the PR's thread.

A review and each line comment get a reply key, so an edit (or a deletion) updates the reply
it produced instead of posting another.
"""

from __future__ import annotations

from integrations.github.cards import thread_key
from integrations.github.formatters.shared import DELETED, pr_link, pr_post, who
from integrations.github.models import PullRequestReviewCommentEvent, PullRequestReviewEvent
from integrations.github.people import NOBODY, GitHubPeople
from integrations.github.text import code, link, message, quote
from integrations.messages import Rendered, ThreadPost

REVIEW_VERBS = {
    "approved": ":white_check_mark: {who} approved {pr}",
    "changes_requested": ":x: {who} requested changes on {pr}",
    "commented": ":speech_balloon: {who} reviewed {pr}",
}


def _review_key(event: PullRequestReviewEvent) -> str:
    thread = thread_key(event.repository, event.pull_request.number)
    return f"{thread}/pullrequestreview-{event.review.id}"


def submitted(event: PullRequestReviewEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """Approved, changes requested, or commented (others are skipped: `skips.review`)."""
    review = event.review
    template = REVIEW_VERBS[review.state]
    pr_ref = pr_link(event.pull_request, review.html_url)
    line = template.format(who=who(review.user, people), pr=pr_ref)
    body = people.mentions(quote(review.body))
    return pr_post(event, message(line, body), reply_key=_review_key(event), people=people)


def dismissed(event: PullRequestReviewEvent, people: GitHubPeople = NOBODY) -> Rendered:
    review = event.review
    if review.user.login == event.sender.login:
        whose = "their own review"
    else:
        whose = f"the review by {who(review.user, people)}"
    line = f":no_entry_sign: {who(event.sender, people)} dismissed {whose}"
    return pr_post(event, message(line), people=people)


def _on_line(event: PullRequestReviewCommentEvent) -> str:
    """` on `path:line`` for a line comment, empty when the payload names no path."""
    comment = event.comment
    where = comment.path
    line_no = comment.line or comment.original_line
    if where and line_no:
        where = f"{where}:{line_no}"
    return f" on {code(where)}" if where else ""


def _comment_key(event: PullRequestReviewCommentEvent) -> str:
    return (
        f"{thread_key(event.repository, event.pull_request.number)}/discussion_r{event.comment.id}"
    )


def comment(event: PullRequestReviewCommentEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """A line comment, created or edited: the same reply, keyed so an edit updates it."""
    line_comment = event.comment
    commented = link(line_comment.html_url, "commented")
    line = f":speech_balloon: {who(line_comment.user, people)} {commented}{_on_line(event)}"
    body = people.mentions(quote(line_comment.body))
    return pr_post(event, message(line, body), reply_key=_comment_key(event), people=people)


def comment_deleted(
    event: PullRequestReviewCommentEvent, people: GitHubPeople = NOBODY
) -> Rendered:
    """Marks the reply of a deleted line comment; where none was posted, nothing is said."""
    line = f":speech_balloon: {who(event.comment.user, people)} commented{_on_line(event)}: "
    line += DELETED
    return ThreadPost(
        thread_key=thread_key(event.repository, event.pull_request.number),
        reply_key=_comment_key(event),
        reply_edit=message(line),
    )
