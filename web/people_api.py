"""`/api/v1/people`: who is who across Slack, Jira and GitHub, and the admins' overrides.

The same authentication as the rest of `/api/v1` (`web.api`). A PUT's links are `manual`:
automatic matching by email never replaces them; DELETE forgets the person, overrides
included, so matching starts over.
"""

from __future__ import annotations

import re

from flask import Blueprint

from integrations.people import UNSET
from storage import PersonFilter
from storage.domain import NotFound
from web import schemas
from web.api import authenticate, json_response
from web.errors import ApiError
from web.requests import parse_body, parse_query
from web.runtime import runtime

bp = Blueprint("people_api", __name__, url_prefix="/api/v1/people")
bp.before_request(authenticate)

SLACK_USER = schemas.SLACK_USER.strip("^$")


def _checked(slack_user_id: str) -> str:
    if re.fullmatch(SLACK_USER, slack_user_id) is None:
        raise ApiError(400, "validation_error", "slack_user_id must be a Slack user id (U…)")
    return slack_user_id


@bp.get("")
def list_people():
    query = parse_query(schemas.PersonQuery)
    page = runtime().container.people_links.list(
        PersonFilter(
            slack_user_id=query.slack_user_id,
            jira_account_id=query.jira_account_id,
            github_login=query.github_login,
        ),
        limit=query.limit,
        cursor=query.cursor,
    )
    return json_response(
        schemas.PersonList(
            people=[schemas.PersonOut.model_validate(p) for p in page.items],
            total=page.total,
            next_cursor=page.next_cursor,
        )
    )


@bp.get("/<slack_user_id>")
def get_person(slack_user_id: str):
    person = runtime().container.people_links.get(_checked(slack_user_id))
    if person is None:
        raise NotFound(f"person {slack_user_id} not found")
    return json_response(schemas.PersonOut.model_validate(person))


@bp.put("/<slack_user_id>")
def put_person(slack_user_id: str):
    """Set the overrides (409 when another person holds the GitHub login)."""
    body = parse_body(schemas.PersonPut)
    given = body.model_fields_set
    person = runtime().container.people_links.put(
        _checked(slack_user_id),
        jira_account_id=body.jira_account_id if "jira_account_id" in given else UNSET,
        github_login=body.github_login if "github_login" in given else UNSET,
    )
    return json_response(schemas.PersonOut.model_validate(person))


@bp.delete("/<slack_user_id>")
def delete_person(slack_user_id: str):
    if not runtime().container.people_links.delete(_checked(slack_user_id)):
        raise NotFound(f"person {slack_user_id} not found")
    return "", 204
