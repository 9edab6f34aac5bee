# syntax=docker/dockerfile:1
#
# The API's production image: gunicorn serving bankapi.wsgi with production settings.
#   docker build -t bankapi .
#   docker compose up          (docker-compose.yml: PostgreSQL, Redis, migrate, 3 app replicas, nginx)
# Configuration comes from the environment at run time (.env.example lists it); nothing secret is
# baked into the image. See docs/deployment.md.

# ---- builder: compilers and headers live in this stage only -----------------------------------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# Every pinned dependency ships a wheel today; gcc and libpq's headers are here for the day one does
# not, so that the build still works and the final image still has no compiler. (Debian's stable
# point releases are the pin here; this stage's packages never reach the final image.)
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libpq-dev \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Exact versions, each checked against its hash: a substituted or tampered package fails the build.
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.txt


# ---- runtime: the venv and the code, no build tools ------------------------------------------------
FROM python:3.11-slim AS runtime

# Production settings by default (gunicorn.conf.py also disables gunicorn's control socket, which
# would go under a home directory the service user does not have).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=bankapi.settings.production

# A fixed numeric uid/gid, so that Kubernetes' runAsNonRoot can verify it and volumes can be chowned.
RUN groupadd --system --gid 10001 bankapi \
 && useradd --system --uid 10001 --gid bankapi --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin bankapi

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Code owned by root and read-only to the service user (.dockerignore keeps out tests, .env, .git…).
COPY . .

# Static files (the admin site's and Swagger UI's) are collected at build time into /app/staticfiles,
# for nginx to serve. Settings refuse to load without secrets, so this one step gets throwaway ones,
# generated here and gone with the step: they are never in the image's environment. The directory is
# the service user's so that a volume seeded from it (docker-compose.yml) can be refreshed by that user.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    JWT_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    python manage.py collectstatic --noinput \
 && chown -R 10001:10001 /app/staticfiles \
 && python -m compileall -q /app

USER 10001:10001

EXPOSE 8000

# /health touches no dependency: it says the process serves. Plain python, since the slim image has
# no curl. It sends a Host the app allows (the first of ALLOWED_HOSTS), or Django would answer 400;
# /health is exempt from the production settings' HTTPS redirect, so plain HTTP gets the 200.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; host = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); host = 'localhost' if host in ('', '*') else host; conn = http.client.HTTPConnection('127.0.0.1', 8000, timeout=4); conn.request('GET', '/health', headers={'Host': host}); sys.exit(0 if conn.getresponse().status == 200 else 1)"]

# gunicorn.conf.py: bind 0.0.0.0:8000, GUNICORN_WORKERS/GUNICORN_THREADS, JSON access log on stdout,
# FORWARDED_ALLOW_IPS. SIGTERM (docker stop, Kubernetes) is a graceful shutdown.
ENTRYPOINT ["gunicorn", "-c", "gunicorn.conf.py", "bankapi.wsgi"]
