# basecamp-connect: the web service (gunicorn) by default; `python app.py worker` for a
# delivery worker and `python app.py db upgrade` for the migrations (see compose.yaml).
# Not built on the machines this project is developed on (no Docker engine there): the
# entry commands are tested in a virtualenv instead (tests/test_deployment.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system connect \
    && useradd --system --gid connect --home-dir /app --no-create-home --shell /usr/sbin/nologin connect

# The locked dependencies first, so a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --requirement requirements.lock

COPY --chown=connect:connect . .

USER connect

EXPOSE 5001

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:5001/health', timeout=2).status != 200)"]

# gunicorn.conf.py: the shutdown hooks and the metrics of every worker process.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "--bind", "0.0.0.0:5001", "--workers", "2", "--worker-class", "gthread", "--threads", "8", "--access-logfile", "-", "app:create_app()"]
