"""``pairing``: the automatic batch run end to end, on each database, against the engine alone.

The programme is ``bench.matching``'s seeded one (5,000 mentees × 500 mentors with ten places
each by default, ``--size`` for others), written to the database with its exclusions and
earlier, ended pairs, in automatic batch mode and due. Then, side by side in one run:

- ``engine``: ``match_batch`` on the same candidates in memory: the floor, no database at all.
- ``propose``: what ``/match`` does before it shows the preview: read the waiting mentees, the
  mentors with their places left, the exclusions and history, then the engine.
- ``sweep``: one ``batch_sweep``: the proposal, then every pair formed through ``form_in``
  (each rule checked again, the pair row, both introductions queued in the outbox, the audit
  entry) 200 pairs a transaction, then the coordinators' summary. Its pairs per second too.
- ``loop-lag``: the longest the event loop was late while the sweep ran (a 10 ms ticker), next
  to the same ticker with nothing running: how long a user's update could wait meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func, insert, select

from bench.databases import backend, databases
from bench.matching import programme
from bench.report import result
from bot.clock import ManualClock
from bot.services.matching import Candidate, Constraints, match_batch
from bot.services.pairing import PairingService
from storage.database import Database
from storage.migrate import upgrade
from storage.models import (
    Base,
    Membership,
    OutboxMessage,
    Pairing,
    PairingExclusion,
    Person,
    Profile,
    Programme,
)

DEFAULT_SIZE = 5_000
BASE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
COORDINATOR_ID = 9_000_000
TICK = 0.01
CHUNK = 5_000
# UTC offsets of ``bench.matching``'s programme as zones without daylight saving in November.
ZONES = {-8: "Pacific/Pitcairn", -6: "America/Guatemala", -5: "America/Bogota",
         -4: "America/La_Paz", -3: "America/Argentina/Buenos_Aires", 0: "Africa/Abidjan",
         1: "Africa/Lagos", 2: "Africa/Maputo", 3: "Africa/Nairobi", 5.5: "Asia/Kolkata",
         8: "Asia/Manila"}  # fmt: skip

_T = TypeVar("_T")


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _person_rows(candidates: list[Candidate], role: str) -> dict[type[Base], list[dict[str, Any]]]:
    people, profiles, memberships = [], [], []
    for c in candidates:
        people.append(
            {"id": c.person_id, "telegram_id": 10_000_000 + c.person_id,
             "display_name": f"{role[:2].upper()}{c.person_id}", "language": "es",
             "timezone": ZONES[c.utc_offset_hours], "status": "active", "consent_at": BASE,
             "onboarded_at": BASE, "created_at": BASE, "updated_at": BASE}
        )  # fmt: skip
        profiles.append(
            {"person_id": c.person_id, "field": c.field, "stage": c.stage,
             "interests": sorted(c.interests), "languages": sorted(c.languages),
             "bio": "Happy to help." if role == "mentor" else None,
             "capacity": c.capacity_left if role == "mentor" else None, "updated_at": BASE}
        )  # fmt: skip
        memberships.append(
            {"person_id": c.person_id, "programme_id": 1, "role": role, "joined_at": BASE}
        )
    return {Person: people, Profile: profiles, Membership: memberships}


async def _seed(db: Database, size: int) -> tuple[list[Candidate], list[Candidate], Constraints]:
    """The programme in the database (ids shifted by one: 0 is no person id of ours)."""
    mentors, mentees, constraints = programme(size)
    shift = {c.person_id: c.person_id + 1 for c in (*mentors, *mentees)}
    mentors = [_shifted(c, shift) for c in mentors]
    mentees = [_shifted(c, shift) for c in mentees]
    tables: dict[type[Base], list[dict[str, Any]]] = {Person: [], Profile: [], Membership: []}
    for candidates, role in ((mentors, "mentor"), (mentees, "mentee")):
        for model, rows in _person_rows(candidates, role).items():
            tables[model] += rows
    tables[Person].append(
        {"id": COORDINATOR_ID, "telegram_id": COORDINATOR_ID, "display_name": "Coordinator",
         "language": "en", "timezone": "UTC", "status": "active", "consent_at": BASE,
         "onboarded_at": BASE, "created_at": BASE, "updated_at": BASE}
    )  # fmt: skip
    tables[Membership].append(
        {"person_id": COORDINATOR_ID, "programme_id": 1, "role": "coordinator", "joined_at": BASE}
    )
    tables[PairingExclusion] = [
        {"programme_id": 1, "mentor_id": shift[a], "mentee_id": shift[b], "created_at": BASE}
        for a, b in sorted(constraints.excluded)
    ]
    tables[Pairing] = [
        {"programme_id": 1, "mentor_id": shift[a], "mentee_id": shift[b], "status": "ended",
         "origin": "coordinator", "reasons": [], "started_at": BASE, "ended_at": BASE}
        for a, b in sorted(constraints.previous)
    ]  # fmt: skip
    settings = {"pairing_mode": "batch"}
    async with db.session() as s:
        s.add(Programme(id=1, name="Bench", settings=settings, created_at=BASE,
                        next_batch_at=BASE))  # fmt: skip
    for model, rows in tables.items():
        for chunk in _chunks(rows):
            async with db.session() as s:
                await s.execute(insert(model), chunk)
    if db.is_postgres:
        async with db.engine.begin() as conn:
            for model in tables:
                await conn.exec_driver_sql(f"ANALYZE {model.__tablename__}")
    shifted = Constraints(
        excluded=frozenset((shift[a], shift[b]) for a, b in constraints.excluded),
        previous=frozenset((shift[a], shift[b]) for a, b in constraints.previous),
    )
    return mentors, mentees, shifted


def _shifted(c: Candidate, shift: dict[int, int]) -> Candidate:
    return replace(c, person_id=shift[c.person_id])


async def _timed(step: Callable[[], Awaitable[_T]]) -> tuple[float, _T, float]:
    """Seconds ``step`` took, what it returned, and the event loop's worst lateness (ms)."""
    worst = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            due = loop.time() + TICK
            await asyncio.sleep(TICK)
            worst = max(worst, loop.time() - due)

    probe = asyncio.create_task(ticker())
    began = time.perf_counter()
    try:
        value = await step()
    finally:
        seconds = time.perf_counter() - began
        stop.set()
        await probe
    return seconds, value, worst * 1000


async def _measure(url: str, size: int) -> list[dict[str, object]]:
    db = Database(url)
    try:
        await upgrade(db)
        mentors, mentees, constraints = await _seed(db, size)
        service = PairingService(db, ManualClock(BASE))
        gc.collect()  # the seeding's garbage is not the run's to collect
        name = f"pairing-{backend(url)}-{len(mentees)}x{len(mentors)}"

        engine_s = (
            await _timed(
                lambda: asyncio.to_thread(match_batch, mentors, mentees, constraints=constraints)
            )
        )[0]
        idle_lag = (await _timed(lambda: asyncio.sleep(1.0)))[2]
        propose_s, proposal, _ = await _timed(lambda: service.propose_batch(COORDINATOR_ID, 1))
        sweep_s, formed, sweep_lag = await _timed(service.batch_sweep)

        async with db.read() as s:
            active = await s.scalar(
                select(func.count()).select_from(Pairing).where(Pairing.status == "active")
            )
            queued = await s.scalar(select(func.count()).select_from(OutboxMessage))
        # The run must have done the whole job: every proposed pair formed and introduced.
        assert formed == active == len(proposal.pairs), (formed, active, len(proposal.pairs))
        assert queued is not None and queued >= 2 * formed, (queued, formed)
        return [
            result(f"{name}-propose-seconds-vs-engine", propose_s, "s", engine_s),
            result(f"{name}-sweep-{formed}-pairs-seconds-vs-engine", sweep_s, "s", engine_s),
            result(f"{name}-sweep-loop-lag-vs-idle", sweep_lag, "ms", idle_lag),
        ]  # fmt: skip
    finally:
        await db.dispose()


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """The batch run on SQLite (and PostgreSQL when up) against the engine alone."""
    size = args.size or DEFAULT_SIZE
    results: list[dict[str, object]] = []
    async with databases(args) as urls:
        for url in urls:
            results += await _measure(url, size)
    return results
