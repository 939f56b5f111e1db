"""``checkins``: the minute sweep over 10k, 100k and 1M people with weekly check-ins.

Every person is an onboarded mentee whose pulse is due once a week, the due times spread evenly
over the week (about N / 10,080 due each minute). Seeded with bulk inserts (executemany on
SQLite, COPY on PostgreSQL); the same database grows 10k → 100k → 1M. At each size:

- ``find-due``: the sweep's first query alone (``next_due_at <= now`` on its index, ``LIMIT``,
  ``FOR UPDATE SKIP LOCKED``), median of several minutes. Target ≤ 50 ms; it should stay flat.
- ``claim``: one whole sweep (find, load the people, insert the check-ins and outbox rows,
  advance the schedules, commit), median over successive minutes. It grows with what is due
  each minute (≈1, 10, 100 people), not with N.
- ``peak-memory`` (1M only): tracemalloc peak during a sweep, and the process RSS growth over
  the sweeps; nothing per person is kept in memory. Target ≤ 50 MB.

The baseline of each line is the same figure at 10k people: its ratio shows the growth.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bench.databases import backend, databases
from bench.report import result
from bot.clock import ManualClock
from bot.services.checkins import CheckinService
from storage.database import Database
from storage.migrate import upgrade
from storage.models import Membership, Person, Programme, Schedule

SIZES = (10_000, 100_000, 1_000_000)
CHUNK = 50_000
RUNS = 7
BATCH = 200  # CheckinService.sweep's default
WEEK_MINUTES = 7 * 24 * 60
BASE = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # a Monday


def _rows(start: int, stop: int, size_hint: int) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """People, memberships and schedules for person ids ``[start, stop)``, in chunks."""
    for first in range(start, stop, CHUNK):
        ids = range(first, min(stop, first + CHUNK))
        yield {
            "people": [
                (i, 10_000_000 + i, f"P{i}", "en", "UTC", "active", BASE, BASE, BASE, BASE)
                for i in ids
            ],
            "memberships": [(i, i, 1, "mentee", BASE) for i in ids],
            # Spread over the week by a multiplicative hash: every minute has ~N/10,080 due.
            "schedules": [
                (
                    i,
                    "pulse",
                    BASE + timedelta(minutes=(i * 7919) % WEEK_MINUTES, seconds=30),
                    0,
                    BASE,
                )
                for i in ids
            ],
        }


COLUMNS = {
    "people": ["id", "telegram_id", "display_name", "language", "timezone", "status",
               "consent_at", "onboarded_at", "created_at", "updated_at"],
    "memberships": ["id", "person_id", "programme_id", "role", "joined_at"],
    "schedules": ["person_id", "kind", "next_due_at", "step", "updated_at"],
}  # fmt: skip
TABLES = {"people": Person, "memberships": Membership, "schedules": Schedule}


async def _seed(db: Database, start: int, stop: int) -> float:
    """Add people ``[start, stop)``; returns the seconds it took."""
    began = time.perf_counter()
    if start == 0:
        async with db.session() as s:
            s.add(Programme(id=1, name="Bench", is_default=True, settings={}, created_at=BASE))
    for chunk in _rows(start + 1, stop + 1, stop):
        async with db.engine.begin() as conn:
            if db.is_postgres:
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                for table, records in chunk.items():
                    await driver.copy_records_to_table(
                        table, records=records, columns=COLUMNS[table]
                    )
            else:
                for table, records in chunk.items():
                    model = TABLES[table]
                    rows = [dict(zip(COLUMNS[table], r, strict=True)) for r in records]
                    await conn.execute(insert(model), rows)
    if db.is_postgres:
        async with db.engine.begin() as conn:
            for table in COLUMNS:
                await conn.exec_driver_sql(f"ANALYZE {table}")
    return time.perf_counter() - began


async def _median_ms(runs: int, step: Callable[[], Awaitable[object]]) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        await step()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _measure(db: Database, clock: ManualClock) -> dict[str, float]:
    service = CheckinService(db, clock)

    async def find_due() -> None:
        clock.advance(timedelta(minutes=1))
        async with db.session() as s:
            await s.scalars(
                select(Schedule)
                .where(Schedule.next_due_at <= clock.now())
                .order_by(Schedule.next_due_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )

    handled: list[int] = []

    async def claim() -> None:
        clock.advance(timedelta(minutes=1))
        handled.append(await service.sweep())

    # The minutes find-due walked through are claimed (untimed) before the claims are timed,
    # so each timed sweep sees one minute's worth of due people, as in production.
    figures = {"find_due_ms": await _median_ms(RUNS, find_due)}
    while await service.sweep() >= BATCH:  # the minutes above, claimed before timing claims
        pass
    rss_before = _rss_mb()
    tracemalloc.start()
    figures["claim_ms"] = await _median_ms(RUNS, claim)
    figures["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    figures["rss_growth_mb"] = _rss_mb() - rss_before
    figures["due_per_minute"] = statistics.median(handled)
    return figures


def _result(name: str, value: float, unit: str, baseline: float) -> dict[str, object]:
    return result(name, value, unit, baseline, digits=2)


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """Seed each database to 10k, 100k, 1M people and time the sweep at each size."""
    sizes = (args.size,) if args.size else SIZES
    results: list[dict[str, object]] = []
    async with databases(args) as urls:
        for url in urls:
            db = Database(url)
            await upgrade(db)
            name = f"checkins-{backend(url)}"
            seeded, first = 0, None
            clock = ManualClock(BASE)
            for size in sizes:
                seconds = await _seed(db, seeded, size)
                seeded = size
                figures = await _measure(db, clock)
                first = first or figures
                results += [
                    _result(f"{name}-{size}-find-due", figures["find_due_ms"], "ms",
                            first["find_due_ms"]),
                    _result(f"{name}-{size}-claim-{figures['due_per_minute']:.0f}-due",
                            figures["claim_ms"], "ms", first["claim_ms"]),
                    _result(f"{name}-{size}-sweep-peak-memory", figures["peak_mb"], "MB",
                            first["peak_mb"]),
                    _result(f"{name}-{size}-rss-growth", figures["rss_growth_mb"], "MB",
                            first["rss_growth_mb"]),
                    _result(f"{name}-{size}-seed-seconds", seconds, "s", seconds),
                ]  # fmt: skip
            await db.dispose()
    return results
