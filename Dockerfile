# Preceptor: the bot in a small image. `docker compose up` runs it with PostgreSQL (compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md LICENSE ./
COPY bot/__init__.py bot/__init__.py
COPY handlers/__init__.py handlers/__init__.py
COPY storage/__init__.py storage/__init__.py
RUN pip install . && pip uninstall -y preceptor
COPY bot bot
COPY handlers handlers
COPY storage storage
RUN pip install --no-deps . && useradd --create-home --uid 10001 preceptor
USER preceptor
WORKDIR /home/preceptor

# SQLite by default (in the volume mounted here); compose.yaml points DATABASE_URL at PostgreSQL.
ENV DATABASE_URL=sqlite+aiosqlite:////home/preceptor/data/preceptor.db
RUN mkdir -p /home/preceptor/data
VOLUME ["/home/preceptor/data"]

ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
