"""One pure formatter per GitHub event and action: a validated payload in, a post out.

Pull requests and issues become `ThreadPost`s (the card with the object's current state,
and a reply saying what happened); pushes, releases, deployments, workflow runs and refs
become `ChannelPost`s. A formatter may still return `Ignored` for a variant it decides not
to show (a review without a summary, a push of a tag), always with the reason. The table
that picks the formatter is in `dispatch.py`.

One module per event family, so each reads on its own:

- `pulls`: `pull_request.*`;
- `reviews`: `pull_request_review.*` and `pull_request_review_comment.*`;
- `issues`: `issues.*`;
- `comments`: `issue_comment.*` (on issues and pull requests alike);
- `activity`: the channel posts (`push`, `release`, `deployment_status`, `workflow_run`,
  `create`, `delete`);
- `shared`: what several families say the same way (who, thread posts, assignments, edits).
"""
