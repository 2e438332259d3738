"""schemathesis against the served `/api/v1/openapi.json`: each operation, with generated
input that fits the document and input that does not, never answers 5xx, and answers as
the document says.

(`schemathesis.pytest.from_fixture` fails under pytest 9 — it reads `node._nodeid` — so the
served document is loaded in the test, and each operation's strategy runs under
`hypothesis.given`, as schemathesis documents for non-schemathesis tests.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from tests.support import hostile
from tests.support.slack import TicketEnv
from web.openapi import document

METHODS = ("get", "post", "put", "patch", "delete")
OPERATIONS = [
    (path, method.upper())
    for path, item in document()["paths"].items()
    for method in item
    if method in METHODS
]
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
"""`negative_data_rejection` and `positive_data_acceptance` wait for the document to state
what the server enforces: it marks `Authorization` required, which a loopback client may
leave out, and lacks the cursor format, the `source_id`/`channel_id` patterns and the
refusal of NUL characters, so valid-looking requests are refused with 400."""
EXAMPLES = 50


@pytest.fixture
def env(make_ticket_env: Callable[..., TicketEnv]) -> TicketEnv:
    return make_ticket_env()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_operation_conforms(
    env: TicketEnv, path: str, method: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(env.live.url + "/api/v1/openapi.json")
    operation = schema[path][method]
    route = f"schemathesis {method} /api/v1{path}"

    @settings(hostile.SETTINGS, max_examples=EXAMPLES)
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Case) -> None:
        response = case.call(session=env.live.http)
        hostile.TALLY.record(route, response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        call()
    except Unsatisfiable:
        # An operation that takes no input at all (the OpenAPI document itself) has no
        # invalid input to generate; anything else must generate cases.
        assert mode is GenerationMode.NEGATIVE
        assert not operation.definition.raw.get("parameters")
        assert "requestBody" not in operation.definition.raw
    assert env.live.get("/health").status_code == 200
