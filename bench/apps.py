"""Baseline apps for the benchmarks, served by gunicorn like the real one."""

from __future__ import annotations

import hashlib
import hmac
import os

from flask import Flask, request

SECRET = os.environ.get("BENCH_SECRET", "bench-secret").encode()


def hello() -> Flask:
    app = Flask("hello")

    @app.get("/health")
    def health() -> str:
        return "ok"

    return app


def hmac_only() -> Flask:
    """A bare Flask endpoint that checks a GitHub-style HMAC and answers 202: the intake floor."""
    app = Flask("hmac_only")

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.post("/webhooks/github")
    def webhook() -> tuple[str, int]:
        expected = "sha256=" + hmac.new(SECRET, request.get_data(), hashlib.sha256).hexdigest()
        given = request.headers.get("X-Hub-Signature-256", "")
        return ("", 202) if hmac.compare_digest(expected, given) else ("", 401)

    return app
