"""Logging set-up: one line per event, `event.name key=value`, secrets redacted."""

from __future__ import annotations

import logging
import sys

from settings import Settings


class RedactSecrets(logging.Filter):
    """Replace every configured secret value in a log line by `***`.

    Code never logs secrets on purpose; this catches the accidental case (an exception
    message quoting a URL with a token, a library's debug line).
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted, exc_text = message, record.exc_text
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
            if exc_text:
                exc_text = exc_text.replace(secret, "***")
        record.msg, record.args, record.exc_text = redacted, None, exc_text
        return True


def secret_values(settings: Settings) -> list[str]:
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            values.append(value.get_secret_value())
    password = settings.database_url.partition("://")[2].partition("@")[0].partition(":")[2]
    if password:
        values.append(password)
    return values


def configure_logging(settings: Settings) -> None:
    root = logging.getLogger()
    root.setLevel(settings.connect_log_level)
    handler = next((h for h in root.handlers if getattr(h, "_connect", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._connect = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    handler.filters = [RedactSecrets(secret_values(settings))]
