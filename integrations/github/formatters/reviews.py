"""`pull_request_review.*` and `pull_request_review_comment.*`: replies in the PR's thread.

A review and each line comment get a reply key, so an edit (or a deletion) updates the reply
it produced instead of posting another.
"""

from __future__ import annotations

from integrations.github.cards import thread_key
from integrations.github.formatters.shared import DELETED, pr_link, pr_post, who
from integrations.github.models import PullRequestReviewCommentEvent, PullRequestReviewEvent
from integrations.github.text import code, escape, link, message, quote
from integrations.messages import Rendered, ThreadPost

REVIEW_VERBS = {
    "approved": ":white_check_mark: {who} approved {pr}",
    "changes_requested": ":x: {who} requested changes on {pr}",
    "commented": ":speech_balloon: {who} reviewed {pr}",
}


def _review_key(event: PullRequestReviewEvent) -> str:
    thread = thread_key(event.repository, event.pull_request.number)
    return f"{thread}/pullrequestreview-{event.review.id}"


def submitted(event: PullRequestReviewEvent) -> Rendered:
    """Approved, changes requested, or commented (others are skipped: `skips.review`)."""
    review = event.review
    template = REVIEW_VERBS[review.state]
    pr_ref = pr_link(event.pull_request, review.html_url)
    line = template.format(who=escape(review.user.login), pr=pr_ref)
    return pr_post(event, message(line, quote(review.body)), reply_key=_review_key(event))


def dismissed(event: PullRequestReviewEvent) -> Rendered:
    review = event.review
    if review.user.login == event.sender.login:
        whose = "their own review"
    else:
        whose = f"the review by {escape(review.user.login)}"
    line = f":no_entry_sign: {who(event.sender)} dismissed {whose}"
    return pr_post(event, message(line))


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


def comment(event: PullRequestReviewCommentEvent) -> Rendered:
    """A line comment, created or edited: the same reply, keyed so an edit updates it."""
    line_comment = event.comment
    commented = link(line_comment.html_url, "commented")
    line = f":speech_balloon: {who(line_comment.user)} {commented}{_on_line(event)}"
    return pr_post(event, message(line, quote(line_comment.body)), reply_key=_comment_key(event))


def comment_deleted(event: PullRequestReviewCommentEvent) -> Rendered:
    """Marks the reply of a deleted line comment; where none was posted, nothing is said."""
    line = f":speech_balloon: {who(event.comment.user)} commented{_on_line(event)}: {DELETED}"
    return ThreadPost(
        thread_key=thread_key(event.repository, event.pull_request.number),
        reply_key=_comment_key(event),
        reply_edit=message(line),
    )
