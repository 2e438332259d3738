"""Opening and refreshing the create-issue modal: Slack calls plus cached Jira metadata.

Open first, with what is known (`views.open` never waits for Jira), then fill in the issue
types and fields with `views.update`. Two kinds of update, two guards:

- the background fill right after opening passes the opened view's `hash`: once the user has
  changed anything, Slack answers `hash_conflict` and the user's view stays;
- a refresh for a user's change (project, issue type) passes no hash, since the view it was
  made from may still be waiting for the background fill (whose update changes the hash,
  and the user's change would be lost). Instead the latest user action per view wins: a
  refresh older (`action_ts`, then arrival order) than one already started is dropped.
Jira gets the short interactive timeout here, and its answers are cached for a minute:
people open the modal, switch projects and back, and project lists rarely change.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from bot.views.ticket_modal import (
    MAX_OPTIONS,
    UNAVAILABLE,
    ModalContext,
    Screen,
    Values,
    build_modal,
    context_for_screen,
    default_type,
)
from integrations.jira_api import (
    FieldInfo,
    IssueTypeInfo,
    JiraError,
    JiraGateway,
    JiraNotConfigured,
    JiraNotFound,
    ProjectRef,
)
from integrations.slack.errors import SlackFailure
from integrations.slack.writer import SlackWriter
from integrations.tickets.formatting import notice
from integrations.ttl_cache import TtlCache

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
TRACKED_VIEWS = 1024
"""Views whose latest user action is remembered (the oldest are forgotten first)."""

ActionOrder = tuple[float, int]
"""When a user action happened: Slack's `action_ts`, then the order the acks ran in."""


class ModalService:
    def __init__(self, jira: JiraGateway, slack: SlackWriter, ttl: float = CACHE_SECONDS) -> None:
        self._jira = jira
        self._slack = slack
        self._projects: TtlCache[str, list[ProjectRef]] = TtlCache(ttl)
        self._types: TtlCache[str, list[IssueTypeInfo]] = TtlCache(ttl)
        self._fields: TtlCache[tuple[str, str], list[FieldInfo]] = TtlCache(ttl)
        self._latest: OrderedDict[str, ActionOrder] = OrderedDict()
        self._permalinks: OrderedDict[str, str] = OrderedDict()
        self._latest_lock = threading.Lock()

    # --- Jira metadata --------------------------------------------------------------------

    def projects(self) -> list[ProjectRef]:
        return self._projects.get_or_load("all", self._jira.projects)

    def project_options(self, query: str) -> list[dict[str, Any]]:
        """Options for the project `external_select`, best matches first."""
        try:
            projects = self.projects()
        except JiraNotConfigured:
            return [_option("Jira is not configured (JIRA_BASE_URL)", UNAVAILABLE)]
        except JiraError as error:
            log.warning("modal.projects_failed error=%s", error)
            return [_option(f"Jira is not answering ({_short(error)})", UNAVAILABLE)]
        wanted = query.strip().lower()

        def rank(project: ProjectRef) -> tuple[int, str]:
            key, name = project.key.lower(), project.name.lower()
            if not wanted or key == wanted:
                return 0, key
            if key.startswith(wanted) or name.startswith(wanted):
                return 1, key
            return 2, key

        matching = [
            p for p in projects if not wanted or wanted in p.key.lower() or wanted in p.name.lower()
        ]
        matching.sort(key=rank)
        return [_option(_label(p), p.key) for p in matching[:MAX_OPTIONS]]

    def project_label(self, key: str) -> str:
        """`Name (KEY)` when the project list is cached, else the key."""
        for project in self._projects.peek("all") or ():
            if project.key == key:
                return _label(project)
        return key

    def screen_for(self, ctx: ModalContext) -> tuple[ModalContext, Screen]:
        """createmeta for the context's project and type (its default type if unset)."""
        project = ctx.project
        if not project:
            return ctx, Screen()
        try:
            types = self._types.get_or_load(project, lambda: self._jira.issue_types(project))
        except JiraNotFound:
            return _failed(
                ctx, f"Jira has no project {project} you can create issues in."
            ), Screen()
        except JiraError as error:
            return _failed(ctx, f"Couldn't load issue types from Jira: {error}."), Screen()
        if not types:
            return _failed(ctx, f"You cannot create issues in {project}."), Screen()
        chosen = next((t for t in types if t.id == ctx.issue_type_id), None) or default_type(types)
        assert chosen is not None
        ctx = ctx.model_copy(update={"issue_type_id": chosen.id, "issue_type_name": chosen.name})
        try:
            fields = self._fields.get_or_load(
                (project, chosen.id), lambda: self._jira.create_fields(project, chosen.id)
            )
        except JiraError as error:
            return (
                _failed(ctx, f"Couldn't load the {chosen.name} fields from Jira: {error}."),
                Screen(tuple(types)),
            )
        screen = Screen(tuple(types), tuple(fields))
        return context_for_screen(ctx, screen), screen

    # --- Slack ----------------------------------------------------------------------------

    def open(self, trigger_id: str, ctx: ModalContext, values: Values) -> dict[str, Any] | None:
        """`views.open` with what is known now; the opened view (`id`, `hash`), or None
        after telling the user (through the interaction's response URL) that it failed."""
        view = build_modal(ctx, Screen(), values)
        try:
            return self._slack.call(
                self._slack.client.views_open, trigger_id=trigger_id, view=view
            )["view"]
        except SlackFailure as error:
            code = error.code
            log.warning("modal.open_failed error=%s", code)
        if ctx.response_url:
            self._slack.tell_user(
                ctx.user_id,
                None,
                notice(
                    f":warning: Slack would not open the create-issue form ({code}). Try again."
                ),
                response_url=ctx.response_url,
            )
        return None

    def refresh(
        self,
        view: dict[str, Any],
        ctx: ModalContext,
        values: Values,
        loaded: tuple[ModalContext, Screen] | None = None,
        *,
        initial: bool = False,
        action: ActionOrder | None = None,
    ) -> None:
        """Show what `ctx` needs from Jira with `views.update`: `loaded` when the caller
        already has it (`screen_for`), else loaded now.

        `initial`: the background fill after `views.open`, guarded by the opened view's
        hash. `action`: a user's change; dropped if a later action of the view came first.
        """
        view_id = str(view["id"])
        if action is not None:
            self._note_action(view_id, action)
        ctx = self.complete(view_id, ctx)
        ctx, screen = loaded if loaded is not None else self.screen_for(ctx)
        if action is not None and self._superseded(view_id, action):
            log.info("modal.update_superseded view=%s reason=newer_action", view_id)
            return
        if ctx.project and not values.project_label:
            values = replace(values, project_label=self.project_label(ctx.project))
        self.update(
            view, build_modal(ctx, screen, values), hash=view.get("hash") if initial else None
        )

    def update(self, view: dict[str, Any], built: dict[str, Any], *, hash: str | None) -> bool:
        """`views.update`; False when Slack refused it (`hash_conflict`: a newer view stays)."""
        try:
            self._slack.call(
                self._slack.client.views_update, view_id=view["id"], hash=hash, view=built
            )
            return True
        except SlackFailure as error:
            if error.code == "hash_conflict":
                log.info("modal.update_superseded view=%s reason=hash_conflict", view["id"])
            else:
                log.warning("modal.update_failed view=%s error=%s", view["id"], error.code)
        return False

    def remember_permalink(self, view_id: str, permalink: str | None) -> None:
        """The shortcut's message permalink, fetched after `views.open`. Its update can lose
        to a user's change (`hash_conflict`); later refreshes and the submission take it
        from here (`complete`), so the issue still links the message."""
        if permalink:
            with self._latest_lock:
                self._permalinks[view_id] = permalink
                while len(self._permalinks) > TRACKED_VIEWS:
                    self._permalinks.popitem(last=False)

    def complete(self, view_id: str, ctx: ModalContext) -> ModalContext:
        """`ctx` (from the view's metadata) with what arrived after the view was built."""
        if ctx.origin != "shortcut" or ctx.permalink:
            return ctx
        with self._latest_lock:
            permalink = self._permalinks.get(view_id)
        return ctx.model_copy(update={"permalink": permalink}) if permalink else ctx

    def _note_action(self, view_id: str, action: ActionOrder) -> None:
        with self._latest_lock:
            latest = self._latest.get(view_id)
            if latest is None or action > latest:
                self._latest[view_id] = action
            self._latest.move_to_end(view_id)
            while len(self._latest) > TRACKED_VIEWS:
                self._latest.popitem(last=False)

    def _superseded(self, view_id: str, action: ActionOrder) -> bool:
        with self._latest_lock:
            latest = self._latest.get(view_id)
        return latest is not None and latest > action


def _failed(ctx: ModalContext, message: str) -> ModalContext:
    return ctx.model_copy(
        update={"load_error": message, "fields": {}, "field_names": {}, "blocking": ()}
    )


def _label(project: ProjectRef) -> str:
    return f"{project.name} ({project.key})" if project.name != project.key else project.key


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label[:75]}, "value": value}


def _short(error: JiraError) -> str:
    text = str(error)
    return text if len(text) <= 40 else text[:39] + "…"
