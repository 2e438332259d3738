"""One pure formatter per GitHub event and action: a validated payload in, a post out.

Pull requests and issues become `ThreadPost`s (the card with the object's current state,
and a reply saying what happened); pushes, releases, deployments, workflow runs and refs
become `ChannelPost`s. Variants that are not shown (a review without a summary, a push of a
tag) are skipped before a formatter is called, by the predicates of `skips`, which the
webhook intake also asks. The table that picks the formatter is in `dispatch.py`.

One module per event family, so each reads on its own:

- `pulls`: `pull_request.*`;
- `reviews`: `pull_request_review.*` and `pull_request_review_comment.*`;
- `skips`: the events of a handled key that are not posted, and why;
- `issues`: `issues.*`;
- `comments`: `issue_comment.*` (on issues and pull requests alike);
- `activity`: the channel posts (`push`, `release`, `deployment_status`, `workflow_run`,
  `create`, `delete`);
- `shared`: what several families say the same way (who, thread posts, assignments, edits).
"""
