"""The OpenAPI document is the API: the served `/api/v1/openapi.json` compared with the app's
routes, its request models and validators, and the statuses its views raise; then bodies a
schema-driven client generates from the document, posted to the live app, are accepted."""

from __future__ import annotations

import ast
import inspect
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Literal, get_args, get_origin

import annotated_types
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from integrations.routes import routes
from integrations.subscriptions import (
    GITHUB_BROADCASTS,
    GITHUB_FEATURES,
    GITHUB_REPO,
    JIRA_EVENTS,
    JIRA_PROJECT,
    SLACK_CHANNEL,
    GitHubFilters,
    JiraFilters,
)
from integrations.subscriptions.rules import GITHUB_BRANCH_FEATURE
from tests.support.live import LiveApp
from web import api, schemas
from web.openapi import NO_NUL, document

API = "/api/v1"
REQUEST_MODELS: dict[str, type[BaseModel]] = {
    "IntegrationCreate": schemas.IntegrationCreate,
    "SubscriptionCreate": schemas.SubscriptionCreate,
}
QUERY_MODELS = {
    ("/integrations", "get"): schemas.IntegrationQuery,
    ("/mappings", "get"): schemas.MappingQuery,
    ("/subscriptions", "get"): schemas.SubscriptionQuery,
}
SLOW_DATA = (HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large)
EXCEPTION_STATUS = {"NotFound": 404, "Conflict": 409, "InvalidCursor": 400}
"""Domain exceptions and the status `web.errors` answers them with."""


@pytest.fixture
def live(make_live_app: Callable[..., LiveApp], sqlite_url: str) -> LiveApp:
    return make_live_app(sqlite_url)


@pytest.fixture
def served(live: LiveApp) -> dict[str, Any]:
    response = live.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def _component(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]


# Routes ---------------------------------------------------------------------------------


def _app_operations(live: LiveApp) -> set[tuple[str, str]]:
    found = set()
    for rule in live.app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API))
        found |= {(path, m.lower()) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    return found


def test_every_route_of_the_app_is_documented_and_nothing_else(
    live: LiveApp, served: dict[str, Any]
) -> None:
    documented = {(path, method) for path, ops in served["paths"].items() for method in ops}
    assert documented == _app_operations(live)


# Constraints ----------------------------------------------------------------------------


def _constraints(field: Any) -> dict[str, Any]:
    """What pydantic checks of one field, in JSON Schema words."""
    words = {
        annotated_types.MinLen: ("min_length", "minLength"),
        annotated_types.MaxLen: ("max_length", "maxLength"),
        annotated_types.Ge: ("ge", "minimum"),
        annotated_types.Le: ("le", "maximum"),
    }
    found: dict[str, Any] = {}
    for meta in field.metadata:
        for kind, (attribute, keyword) in words.items():
            if isinstance(meta, kind):
                found[keyword] = getattr(meta, attribute)
    literal = next(
        (t for t in (field.annotation, *get_args(field.annotation)) if get_origin(t) is Literal),
        None,
    )
    if literal is not None:
        found["enum"] = list(get_args(literal))
    return found


def _flat(schema: dict[str, Any]) -> dict[str, Any]:
    """A property schema with `anyOf: [X, null]` read as X."""
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return {**schema, **option}
    return schema


def _model_cases() -> Iterator[tuple[str, type[BaseModel], str]]:
    for name, model in REQUEST_MODELS.items():
        for field in model.model_fields:
            yield name, model, field
    for (path, method), model in QUERY_MODELS.items():
        for field in model.model_fields:
            yield f"{method} {path}", model, field


@pytest.mark.parametrize(("where", "model", "field"), list(_model_cases()))
def test_every_field_constraint_is_in_the_schema(
    served: dict[str, Any], where: str, model: type[BaseModel], field: str
) -> None:
    if where in REQUEST_MODELS:
        schema = _component(served, where)
        assert schema["additionalProperties"] is False  # unknown fields: 400
        prop = _flat(schema["properties"][field])
    else:
        method, path = where.split(" ")
        [param] = [p for p in served["paths"][path][method]["parameters"] if p["name"] == field]
        prop = _flat(param["schema"])
    for keyword, value in _constraints(model.model_fields[field]).items():
        if prop.get("type") == "array":  # lengths of a list count its items
            keyword = keyword.replace("Length", "Items")
        assert prop.get(keyword) == value, (where, field, keyword)
    if prop.get("type") == "string" and "enum" not in prop:
        assert "pattern" in prop  # at least: no NUL (400)


def test_the_validators_rules_are_in_the_schema(served: dict[str, Any]) -> None:
    create = _component(served, "SubscriptionCreate")
    assert create["properties"]["channel_id"]["pattern"] == f"^(?:{SLACK_CHANNEL.pattern})$"
    github, jira = create["oneOf"]
    assert github["properties"]["source_id"]["pattern"] == f"^(?:{GITHUB_REPO.pattern})$"
    assert jira["properties"]["source_id"]["pattern"] == f"^(?:{JIRA_PROJECT.pattern})$"
    features = github["properties"]["events"]["items"]["anyOf"]
    assert features[0]["enum"] == [*GITHUB_FEATURES, "workflows:all"]
    assert features[1]["pattern"] == GITHUB_BRANCH_FEATURE
    assert jira["properties"]["events"]["items"]["enum"] == list(JIRA_EVENTS)
    github_filters = github["properties"]["filters"]
    assert set(github_filters["properties"]) == set(GitHubFilters.model_fields)
    assert github_filters["additionalProperties"] is False
    assert github_filters["properties"]["broadcast"]["items"]["enum"] == list(GITHUB_BROADCASTS)
    assert set(jira["properties"]["filters"]["properties"]) == set(JiraFilters.model_fields)

    pairs = _component(served, "IntegrationCreate")["anyOf"]
    assert [
        (p["properties"]["source_service"]["const"], p["properties"]["target_service"]["const"])
        for p in pairs
    ] == routes()
    payload = _component(served, "JsonObject")
    assert payload["propertyNames"]["pattern"] == NO_NUL


# Statuses -------------------------------------------------------------------------------


def _raised(function: Callable[..., Any], seen: set[str] | None = None) -> set[int]:
    """The statuses a view raises itself: `ApiError(<status>, ...)`, the domain exceptions
    `web.errors` maps, and those of the module's helpers it calls."""
    seen = seen if seen is not None else set()
    found: set[int] = set()
    for node in ast.walk(ast.parse(inspect.getsource(function).lstrip())):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        name = node.func.id
        status = node.args[0] if node.args else None
        if name == "ApiError" and isinstance(status, ast.Constant):
            assert isinstance(status.value, int)
            found.add(status.value)
        elif name in EXCEPTION_STATUS:
            found.add(EXCEPTION_STATUS[name])
        elif name in ("parse_body", "parse_query"):
            found.add(400)
        elif name not in seen and inspect.isfunction(helper := getattr(api, name, None)):
            seen.add(name)
            found |= _raised(helper, seen)
    return found


def _views(live: LiveApp) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    for rule in live.app.url_map.iter_rules():
        if rule.rule.startswith(API + "/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API))
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                yield path, method.lower(), live.app.view_functions[rule.endpoint]


def test_every_status_a_view_raises_is_documented(live: LiveApp, served: dict[str, Any]) -> None:
    for path, method, view in _views(live):
        responses = served["paths"][path][method]["responses"]
        for status in _raised(view):
            assert str(status) in responses, (method, path, status)
        if path != "/openapi.json":
            assert {"401", "403"} <= set(responses), (method, path)


def test_subscriptions_post_documents_each_answer(served: dict[str, Any]) -> None:
    responses = served["paths"]["/subscriptions"]["post"]["responses"]
    assert {"200", "201", "400", "409", "413", "422", "502", "503"} <= set(responses)
    assert (
        "unsupported_route"
        in served["paths"]["/integrations"]["post"]["responses"]["400"]["description"]
    )


# A schema-driven client -----------------------------------------------------------------


def _strategy(path: str, method: str) -> st.SearchStrategy[Any]:
    return schemathesis.openapi.from_dict(document())[path][method.upper()].as_strategy()


@pytest.mark.parametrize("path", ["/subscriptions", "/integrations"])
def test_bodies_generated_from_the_schema_are_accepted(live: LiveApp, path: str) -> None:
    """Every body the document allows is accepted (2xx); each created subscription is
    deleted again, so the next one is not a 409."""
    statuses: list[int] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=SLOW_DATA)
    @given(case=_strategy(path, "post"))
    def post(case: Any) -> None:
        response = case.call(base_url=live.url + API, session=live.http)
        assert response.status_code in (200, 201, 202), (json.dumps(case.body), response.text)
        statuses.append(response.status_code)
        if path == "/subscriptions":
            live.delete(f"{API}/subscriptions/{response.json()['id']}")

    post()
    assert statuses


OPERATIONS = [(path, method) for path, ops in document()["paths"].items() for method in ops]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_answers_conform_to_the_document(live: LiveApp, path: str, method: str) -> None:
    """Whatever schemathesis sends, valid or not, the status is one the document lists for
    the operation and the body matches its schema; valid requests are accepted."""
    checks = [status_code_conformance, response_schema_conformance, positive_data_acceptance]

    @settings(max_examples=15, deadline=None, suppress_health_check=SLOW_DATA)
    @given(case=_strategy(path, method))
    def call(case: Any) -> None:
        if case.query:  # a cursor is opaque: a client sends back only the next_cursor it got
            case.query.pop("cursor", None)
        case.call_and_validate(base_url=live.url + API, session=live.http, checks=checks)

    call()
