"""Secrets never reach the log, even when code or a library quotes them by accident."""

from __future__ import annotations

import logging

import pytest

from tests.support.live import settings_for
from web.logging import RedactSecrets, secret_values


def test_configured_secrets_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(
        "postgresql+psycopg://app:db-password-1@db/connect",
        slack_bot_token="xoxb-123-secret",
        github_webhook_secret="gh-hook-secret",
    )
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactSecrets(secret_values(settings)))
    try:
        with caplog.at_level(logging.INFO, logger="test.redaction"):
            logger.info("calling with %s and %s", "xoxb-123-secret", "gh-hook-secret")
            logger.info("connect to postgresql://app:db-password-1@db")
            try:
                raise RuntimeError("token xoxb-123-secret rejected")
            except RuntimeError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    text = caplog.text
    assert "xoxb-123-secret" not in text
    assert "gh-hook-secret" not in text
    assert "db-password-1" not in text
    assert text.count("***") >= 4
