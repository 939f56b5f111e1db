"""The databases a benchmark measures: SQLite in a temporary file, plus a fresh PostgreSQL
database when the server is reachable (or exactly the URLs given with ``--database``)."""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.admin import create_database, drop_database

PG_URL = os.environ.get(
    "PRECEPTOR_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def _postgres_database() -> str | None:
    """A fresh PostgreSQL database for the run, or None when the server is not reachable."""
    try:
        return await create_database(PG_URL, f"preceptor_bench_{uuid.uuid4().hex[:8]}")
    except (OSError, SQLAlchemyError):
        return None


@asynccontextmanager
async def databases(args: argparse.Namespace) -> AsyncIterator[list[str]]:
    """Database URLs to measure; the ones made for the run are dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        targets = args.database or [f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"]
        created: list[str] = []
        if args.database is None:
            pg = await _postgres_database()
            if pg is not None:
                targets.append(pg)
                created.append(pg)
        try:
            yield targets
        finally:
            for url in created:
                await drop_database(PG_URL, str(make_url(url).database))


def backend(url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return make_url(url).get_backend_name()


Rate = Callable[[int], Awaitable[float]]


async def compare_on_databases(
    args: argparse.Namespace,
    *,
    name: str,
    unit: str,
    default_size: int,
    baselines: Mapping[str, Rate],
    ours: Callable[[str, int], Awaitable[float]],
) -> list[dict[str, object]]:
    """Our rate on each database against each baseline, measured side by side in one run."""
    size = args.size or default_size
    results: list[dict[str, object]] = []
    async with databases(args) as urls:
        for url in urls:
            measured = {label: await rate(size) for label, rate in baselines.items()}
            value = await ours(url, size)
            for label, baseline in measured.items():
                results.append(
                    {
                        "bench": f"{name}-{backend(url)}-{size}-vs-{label}",
                        "value": round(value, 1),
                        "unit": unit,
                        "baseline": round(baseline, 1),
                        "ratio": round(value / baseline, 3),
                    }
                )
    return results
