"""`/webhooks/jira` and `/webhooks/github`: one durable intake path, a small spec per sender.

Status policy, in the order the checks run (each failure logs one `webhook.<reason>` line):

1. the source's secret is not configured → 401 `webhook_secret_unset` (logged once per
   process, naming the variable);
2. no signature header (nor, for Jira, `Authorization: Bearer`) → 401 `missing_signature`;
3. `Content-Length` over `CONNECT_WEBHOOK_MAX_BODY_BYTES` → 413 `payload_too_large`;
4. HMAC-SHA256 of the raw body (or the bearer secret) does not match → 401 `bad_signature`;
5. body is not a JSON object → 400 `invalid_json`;
6. not a webhook of this sender (no `webhookEvent` / `X-GitHub-Event`) → 400 `not_a_webhook`;
7. delivery id already stored → 200 with the stored event's id and status;
8. known but not delivered (GitHub `ping`, an ignored Jira event) → 200, stored as `ignored`
   with the reason;
9. otherwise → 202, stored as `pending` for the delivery worker;
10. the database cannot be reached → 503 `database_unavailable` with `Retry-After`: nothing
    was stored, the sender should deliver it again.

The oversized-body check comes after the signature *header* check but before the body is read:
verifying the HMAC needs the whole body, and reading an unbounded body from an
unauthenticated client is the cheaper attack. An unsigned request never learns more than
that it is unsigned. Nothing else happens in the request: the event is one INSERT, committed
together with the concurrent requests' (group commit, `storage.intake_writer`) before the
answer is sent, and the Slack work is the delivery worker's (`integrations/delivery`).

The two routes are served in front of Flask (`web.front`), as the hottest requests the
service gets; their answers are the ones the rest of the API gives: JSON `{"error",
"code"}` (`web.errors`), the same request metrics, 405 with `Allow` for another method.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from werkzeug.datastructures import EnvironHeaders
from werkzeug.wsgi import get_content_length

from integrations.intake import Classified, NotAWebhook
from integrations.routes import INTAKE
from settings import Settings
from storage.domain import NewIntegration, Service, Status
from web.errors import ApiError
from web.front import Answer, Route
from web.requests import parse_json_document, read_wsgi_body

if TYPE_CHECKING:
    from web.runtime import Runtime

log = logging.getLogger(__name__)

WORKER_EXTENSION = "connect.worker"
"""`app.extensions` key of the in-process delivery worker, woken after each stored event."""

MAX_DELIVERY_ID = 150


@dataclass(frozen=True, slots=True)
class Source:
    """How one sender signs, identifies and names its events."""

    name: str
    route: str
    env_name: str
    secret: Callable[[Settings], SecretStr | None]
    signature_header: str
    delivery_header: str
    event_header: str | None = None
    """The header naming the event (GitHub's `X-GitHub-Event`); None: named in the body."""
    accepts_bearer: bool = False


JIRA = Source(
    name=Service.JIRA,
    route="/webhooks/jira",
    env_name="JIRA_WEBHOOK_SECRET",
    secret=lambda s: s.jira_webhook_secret,
    signature_header="X-Hub-Signature",
    delivery_header="X-Atlassian-Webhook-Identifier",
    accepts_bearer=True,
)
GITHUB = Source(
    name=Service.GITHUB,
    route="/webhooks/github",
    env_name="GITHUB_WEBHOOK_SECRET",
    secret=lambda s: s.github_webhook_secret,
    signature_header="X-Hub-Signature-256",
    delivery_header="X-GitHub-Delivery",
    event_header="X-GitHub-Event",
)
SOURCES = {source.route: source for source in (JIRA, GITHUB)}


class WebhookIntake:
    """The webhook routes (`routes`), served by `web.front.Front`."""

    def __init__(self, runtime: Runtime, extensions: dict[str, Any]) -> None:
        self._runtime = runtime
        self._extensions = extensions  # the worker is added after this is built

    def routes(self) -> list[Route]:
        return [
            Route(
                source.route,
                partial(self._receive, source),
                counted=partial(self._count, source),
            )
            for source in SOURCES.values()
        ]

    def _count(self, source: Source, answer: Answer) -> None:
        """What became of the request (`connect_webhooks_received_total`)."""
        self._runtime.metrics.webhook(source.name, answer.outcome)

    def _receive(self, source: Source, environ: dict[str, Any]) -> Answer:
        headers = EnvironHeaders(environ)
        settings = self._runtime.settings
        secret = _secret(source, settings)
        _require_signature_header(source, headers)
        body = _read_body(environ, settings.connect_webhook_max_body_bytes)
        _verify(source, headers, secret, body)
        payload, payload_json = _parse(body)
        classified = _classify(source, headers, payload)
        return self._store(source, headers, classified, payload, payload_json, body)

    def _store(
        self,
        source: Source,
        headers: EnvironHeaders,
        classified: Classified,
        payload: dict[str, Any],
        payload_json: str,
        body: bytes,
    ) -> Answer:
        """One INSERT, group-committed with the other requests' (`storage.intake_writer`);
        the answer waits for its commit. A database outage is a 503."""
        key = delivery_key(headers.get(source.delivery_header), body)
        reason = classified.ignore
        integration = self._runtime.repos.intake.record(
            NewIntegration(
                source_service=source.name,
                target_service=Service.SLACK,
                event_type=classified.event_type,
                payload=payload,
                source_id=classified.source_id,
                delivery_key=key,
                ordering_key=classified.thread_key,
                status=Status.IGNORED if reason else Status.PENDING,
                error_message=reason,
                event_key=classified.event_key,
                payload_json=payload_json,
            )
        )
        answer: dict[str, Any] = {"success": True, "integration_id": integration.id}
        if not integration.created:
            log.info(
                "webhook.duplicate source=%s integration=%s key=%s",
                source.name,
                integration.id,
                key,
            )
            answer |= {"message": "Already received", "status": integration.status.value}
            return Answer(200, answer, "duplicate")
        if reason:
            log.info(
                "webhook.ignored source=%s event=%s integration=%s reason=%s",
                source.name,
                classified.event_type,
                integration.id,
                reason,
            )
            answer |= {"message": f"Ignored: {reason}", "status": Status.IGNORED.value}
            return Answer(200, answer, "ignored")
        log.info(
            "webhook.accepted source=%s event=%s integration=%s thread=%s",
            source.name,
            classified.event_type,
            integration.id,
            classified.thread_key,
        )
        worker = self._extensions.get(WORKER_EXTENSION)
        if worker is not None:
            worker.wake()
        answer |= {"message": "Webhook accepted", "status": Status.PENDING.value}
        return Answer(202, answer, "accepted")


# The steps ------------------------------------------------------------------------------

_warned_unset: set[str] = set()


def _secret(source: Source, settings: Settings) -> bytes:
    secret = source.secret(settings)
    if secret is None:
        if source.name not in _warned_unset:
            _warned_unset.add(source.name)
            log.error(
                "webhook.secret_unset source=%s: %s is not set, so /webhooks/%s refuses every "
                "request (401); set it to the secret configured on the sender",
                source.name,
                source.env_name,
                source.name,
            )
        raise ApiError(
            401,
            "webhook_secret_unset",
            f"{source.env_name} is not configured: this route accepts nothing",
        )
    return secret.get_secret_value().encode()


def _bearer(headers: EnvironHeaders) -> str | None:
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _require_signature_header(source: Source, headers: EnvironHeaders) -> None:
    if headers.get(source.signature_header):
        return
    if source.accepts_bearer and _bearer(headers) is not None:
        return
    log.warning("webhook.missing_signature source=%s", source.name)
    expected = source.signature_header + (
        " or Authorization: Bearer" if source.accepts_bearer else ""
    )
    raise ApiError(401, "missing_signature", f"request is not signed: {expected} is required")


def _read_body(environ: dict[str, Any], limit: int) -> bytes:
    try:
        return read_wsgi_body(environ, limit)
    except ApiError:
        length = get_content_length(environ)
        log.warning("webhook.too_large bytes=%s limit=%s", length or "unknown", limit)
        raise


def _verify(source: Source, headers: EnvironHeaders, secret: bytes, body: bytes) -> None:
    given = headers.get(source.signature_header)
    if given:
        scheme, _, digest = given.strip().partition("=")
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        if scheme.lower() == "sha256" and hmac.compare_digest(
            digest.strip().lower().encode(), expected.encode()
        ):
            return
    elif source.accepts_bearer:
        token = _bearer(headers) or ""
        if hmac.compare_digest(token.encode(), secret):
            return
    log.warning("webhook.bad_signature source=%s", source.name)
    raise ApiError(401, "bad_signature", "signature does not match the body")


def _parse(body: bytes) -> tuple[dict[str, Any], str]:
    try:
        return parse_json_document(body)
    except ApiError as exc:
        log.warning("webhook.invalid_json error=%s", exc.message)
        raise


def delivery_key(given: str | None, body: bytes) -> str:
    """The sender's delivery id, or a hash of the body when it sent none (or an odd one)."""
    given = (given or "").strip()
    if given and len(given) <= MAX_DELIVERY_ID and given.isprintable():
        return given
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _classify(source: Source, headers: EnvironHeaders, payload: dict[str, Any]) -> Classified:
    """The source's one classification (`integrations.routes.INTAKE`), stored with the event."""
    name = headers.get(source.event_header, "") if source.event_header else ""
    try:
        return INTAKE[source.name](name, payload)
    except NotAWebhook as exc:
        log.warning("webhook.not_a_webhook source=%s reason=%s", source.name, exc)
        raise ApiError(400, "not_a_webhook", str(exc)) from None
